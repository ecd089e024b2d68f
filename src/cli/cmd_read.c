/* `vmsavedstate read`: copy guest-physical, guest-virtual or raw saved memory to stdout or a
 * file, or print it as a hex dump. Binary never goes to a terminal (fuse-and-cli.md §7.1). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define READ_PIECE (1u << 20)
#define HEX_LINE 16

struct sink {
	FILE *f;
	bool hex;
	uint64_t addr; /* address of the next byte, for the hex dump */
};

static void hex_line(FILE *f, uint64_t addr, const uint8_t *p, size_t n)
{
	fprintf(f, "%016" PRIx64 " ", addr);
	for (size_t i = 0; i < HEX_LINE; i++) {
		if (i % 8 == 0)
			fputc(' ', f);
		if (i < n)
			fprintf(f, "%02x ", p[i]);
		else
			fputs("   ", f);
	}
	fputs(" |", f);
	for (size_t i = 0; i < n; i++)
		fputc(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.', f);
	fputs("|\n", f);
}

static int sink_write(struct sink *s, const uint8_t *p, size_t n)
{
	if (!s->hex)
		return fwrite(p, 1, n, s->f) == n ? 0 : -EIO;
	for (size_t off = 0; off < n; off += HEX_LINE) {
		size_t k = n - off < HEX_LINE ? n - off : HEX_LINE;
		hex_line(s->f, s->addr + off, p + off, k);
	}
	s->addr += n;
	return ferror(s->f) ? -EIO : 0;
}

static int read_piece(const struct cli_args *a, vms_handle *h, uint64_t addr, uint8_t *buf,
		      uint64_t len, uint64_t *done, struct vms_error *err)
{
	switch (a->space) {
	case SPACE_GPA:
		return vms_read_gpa(h, addr, buf, len, a->zero_holes ? VMS_READ_ZERO_HOLES : 0,
				    done, err);
	case SPACE_GVA:
		return vms_read_gva(h, a->vp, addr, buf, len,
				    a->zero_holes ? VMS_READ_ZERO_UNMAPPED | VMS_READ_ZERO_HOLES
						  : 0,
				    done, err);
	case SPACE_RAW:
		return vms_read_raw(h, addr, buf, len, done, err);
	case SPACE_NONE:
		break;
	}
	return -EINVAL;
}

/* Never let -o truncate one of the inputs: the evidence is read-only (fuse-and-cli.md §2.1). */
static bool output_is_input(const struct cli_args *a)
{
	struct stat so, si;
	if (stat(a->out, &so) != 0)
		return false;
	for (size_t i = 0; i < a->npaths; i++)
		if (stat(a->paths[i], &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
			return true;
	return false;
}

static int check_args(const struct cli_args *a)
{
	if (a->space == SPACE_NONE)
		return cli_usage_error(a->cmd, "need one of --gpa, --gva, --raw");
	if (a->space == SPACE_GVA && !a->have_vp)
		return cli_usage_error(a->cmd, "--gva needs --vp N");
	if (!a->have_len)
		return cli_usage_error(a->cmd, "need --len N");
	if (!a->out && !a->hex && isatty(STDOUT_FILENO))
		return cli_usage_error(a->cmd, "refusing to write binary data to a terminal; use "
					       "--hex or -o FILE");
	if (a->out && output_is_input(a))
		return cli_usage_error(a->cmd, "-o %s is one of the inputs", a->out);
	return 0;
}

static int copy_out(const struct cli_args *a, vms_handle *h, struct sink *s, uint8_t *buf)
{
	uint64_t addr = a->addr, left = a->len;
	struct vms_error err = {0};
	while (left) {
		uint64_t want = left < READ_PIECE ? left : READ_PIECE, done = 0;
		int rc = read_piece(a, h, addr, buf, want, &done, &err);
		if (done > want)
			done = want;
		if (sink_write(s, buf, (size_t)done))
			return cli_error(a, CLI_OPEN, -EIO, "cannot write the output");
		if (rc)
			return cli_error(a, cli_exit_for(rc), rc, err.msg);
		if (done < want) {
			char msg[128];
			snprintf(msg, sizeof(msg),
				 "end of saved memory at %#" PRIx64 " (%" PRIu64 " of %" PRIu64
				 " bytes written)",
				 addr + done, a->len - left + done, a->len);
			return cli_error(a, CLI_UNMAPPED, -EFAULT, msg);
		}
		addr += done;
		left -= done;
	}
	return CLI_OK;
}

int cmd_read(const struct cli_args *a)
{
	int rc = check_args(a);
	if (rc)
		return rc;
	vms_handle *h;
	rc = cli_open(a, 0, &h);
	if (rc)
		return rc;
	struct sink s = {stdout, a->hex, a->addr};
	uint8_t *buf = malloc(READ_PIECE);
	if (a->out) {
		int fd = open(a->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		s.f = fd >= 0 ? fdopen(fd, a->hex ? "w" : "wb") : NULL;
		if (!s.f) {
			if (fd >= 0)
				close(fd);
			free(buf);
			vms_close(h);
			fprintf(stderr, "vmsavedstate: %s: cannot create: %s\n", a->out,
				strerror(errno));
			return CLI_OPEN;
		}
	}
	rc = buf ? copy_out(a, h, &s, buf) : cli_error(a, CLI_OPEN, -ENOMEM, NULL);
	if (fflush(s.f) != 0 && rc == CLI_OK)
		rc = cli_error(a, CLI_OPEN, -EIO, "cannot write the output");
	if (a->out && fclose(s.f) != 0 && rc == CLI_OK)
		rc = cli_error(a, CLI_OPEN, -EIO, "cannot close the output");
	free(buf);
	vms_close(h);
	return rc;
}
