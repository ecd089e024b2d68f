/* Bare-metal test guest for the QEMU format tests (docs/formats/qemu.md, "Tests").
 * Booted by QEMU's multiboot loader (-kernel) in 32-bit protected mode, it fills some RAM
 * with a pattern, builds page tables for one paging mode, enables paging, loads distinctive
 * register values, jumps to a high alias of itself, reports READY on port 0xe9 and halts.
 * The BSP also wakes the other vCPUs (INIT-SIPI-SIPI): each one enters the same paging mode
 * with its own register values, so registers differ per vCPU.
 *
 * Assemble with --defsym MODE=1 (long mode, 4-level), 2 (32-bit PAE), 3 (32-bit, 4 MiB PSE).
 * Physical layout: code at 1 MiB, page tables at 3 MiB, AP trampoline at 0x8000, pattern
 * pages in [4 MiB, 8 MiB) (every third page left zero), stacks at 0x280000.
 */
	.set MB_MAGIC, 0x1BADB002
	.set MB_FLAGS, 0
	.set PT_BASE, 0x300000          /* page tables, 64 KiB */
	.set PAT_START, 0x400000
	.set PAT_END, 0x800000
	.set TRAMP, 0x8000
	.set STACK_TOP, 0x280000
	.set P, 0x001                   /* present */
	.set RW, 0x002
	.set PS, 0x080                  /* large page */
	.set NXHI, 0x80000000           /* NX, bit 63 as the high dword */

	.section .text
	.code32
	.globl _start
	.align 4
mb_header:
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

_start:
	cli
	lgdt gdt_desc
	ljmp $0x08, $1f
1:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	mov $STACK_TOP, %esp

	/* pattern: page n of [PAT_START, PAT_END) holds dwords addr*0x9E3779B1 ^ n, except
	 * every third page, which stays zero (zero-page paths of the savers) */
	mov $PAT_START, %edi
2:	mov %edi, %ebx
	shr $12, %ebx
	mov %ebx, %eax
	xor %edx, %edx
	mov $3, %ecx
	div %ecx
	test %edx, %edx
	jz 4f
	mov $1024, %ecx
3:	mov %edi, %eax
	imul $0x9E3779B1, %eax
	xor %ebx, %eax
	stosl
	loop 3b
	jmp 5f
4:	add $4096, %edi
5:	cmp $PAT_END, %edi
	jb 2b

	/* zero the page-table area */
	mov $PT_BASE, %edi
	mov $(0x10000 / 4), %ecx
	xor %eax, %eax
	rep stosl

	call build_tables

	/* copy the AP trampoline to TRAMP and wake the APs (INIT, SIPI, SIPI via the xAPIC) */
	mov $tramp_start, %esi
	mov $TRAMP, %edi
	mov $(tramp_end - tramp_start), %ecx
	rep movsb
	movl $0x000c4500, 0xfee00300    /* INIT, all excluding self */
	call delay
	movl $0x000c4608, 0xfee00300    /* SIPI, vector 0x08 -> 0x8000 */
	call delay
	movl $0x000c4608, 0xfee00300
	call delay

	mov $0, %ebp                    /* CPU number for the common entry */
	jmp common_entry

delay:
	mov $200000, %ecx
1:	pause
	loop 1b
	ret

/* Entered by every CPU in 32-bit protected mode, flat segments, %ebp = CPU number. */
common_entry:
	mov %ebp, %eax
	shl $12, %eax
	mov $STACK_TOP, %esp
	sub %eax, %esp
	call load_tr
.if MODE == 1
	mov %cr4, %eax
	or $0x20 | 0x10 | 0x80, %eax    /* PAE, PSE, PGE */
	mov %eax, %cr4
	mov $PT_BASE, %eax
	mov %eax, %cr3
	mov $0xC0000080, %ecx           /* EFER: LME | NXE */
	rdmsr
	or $0x900, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80000001, %eax
	mov %eax, %cr0
	ljmp $0x18, $long_entry
.elseif MODE == 2
	mov %cr4, %eax
	or $0x20 | 0x10, %eax           /* PAE, PSE */
	mov %eax, %cr4
	mov $PT_BASE, %eax
	mov %eax, %cr3
	mov $0xC0000080, %ecx           /* EFER: NXE */
	rdmsr
	or $0x800, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80010001, %eax            /* PG, WP, PE */
	mov %eax, %cr0
	jmp regs32
.else
	mov %cr4, %eax
	or $0x10, %eax                  /* PSE */
	mov %eax, %cr4
	mov $PT_BASE, %eax
	mov %eax, %cr3
	mov %cr0, %eax
	or $0x80000001, %eax
	mov %eax, %cr0
	jmp regs32
.endif

.if MODE == 1
/* ---- long mode: 4-level tables ----
 * PML4 0x300000, PDPT_lo 0x301000, PD_lo 0x302000, PT_lo 0x303000,
 * PDPT_hi 0x304000, PD_hi 0x305000, PT_hi 0x306000, PDPT_k 0x307000, PD_k 0x308000 */
	.set PML4, PT_BASE
	.set PDPT_LO, PT_BASE + 0x1000
	.set PD_LO, PT_BASE + 0x2000
	.set PT_LO, PT_BASE + 0x3000
	.set PDPT_HI, PT_BASE + 0x4000
	.set PD_HI, PT_BASE + 0x5000
	.set PT_HI, PT_BASE + 0x6000
	.set PDPT_K, PT_BASE + 0x7000
	.set PD_K, PT_BASE + 0x8000
build_tables:
	movl $(PDPT_LO | P | RW), PML4
	movl $(PDPT_HI | P | RW), PML4 + 256 * 8      /* 0xffff800000000000 */
	movl $(PDPT_K | P | RW), PML4 + 511 * 8       /* 0xffffff8000000000 */
	movl $(PD_LO | P | RW), PDPT_LO
	movl $(0x00000000 | P | RW | PS), PDPT_LO + 1 * 8   /* 1 GiB page: VA 1G -> GPA 0 */
	movl $(0xC0000000 | P | RW | PS), PDPT_LO + 3 * 8   /* 1 GiB page: VA 3G -> GPA 3G */
	movl $(PT_LO | P | RW), PD_LO
	/* PT_LO: identity 4 KiB pages for [0, 2 MiB) except a hole at [0x50000, 0x60000);
	 * [0x1f0000, 0x200000) remapped to pattern pages in reverse */
	mov $PT_LO, %edi
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $12, %eax
	cmp $0x50, %ecx
	jb 2f
	cmp $0x60, %ecx
	jb 3f
	cmp $0x1f0, %ecx
	jb 2f
	mov $0x1ff, %eax
	sub %ecx, %eax
	shl $12, %eax
	add $PAT_START, %eax
2:	or $(P | RW), %eax
	mov %eax, (%edi, %ecx, 8)
3:	inc %ecx
	cmp $512, %ecx
	jb 1b
	/* PD_LO[1..31]: 2 MiB identity pages for [2 MiB, 64 MiB) */
	mov $1, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $(P | RW | PS), %eax
	mov %eax, PD_LO(, %ecx, 8)
	inc %ecx
	cmp $32, %ecx
	jb 1b
	/* PDPT_HI[0] -> PD_HI: direct map of [0, 64 MiB) with 2 MiB NX pages; PD_HI[100] ->
	 * PT_HI: every even entry maps pattern page (511 - i) */
	movl $(PD_HI | P | RW), PDPT_HI
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $(P | RW | PS), %eax
	mov %eax, PD_HI(, %ecx, 8)
	movl $NXHI, PD_HI + 4(, %ecx, 8)
	inc %ecx
	cmp $32, %ecx
	jb 1b
	movl $(PT_HI | P | RW), PD_HI + 100 * 8
	xor %ecx, %ecx
1:	test $1, %ecx
	jnz 2f
	mov $511, %eax
	sub %ecx, %eax
	shl $12, %eax
	add $PAT_START, %eax
	or $(P | RW), %eax
	mov %eax, PT_HI(, %ecx, 8)
2:	inc %ecx
	cmp $512, %ecx
	jb 1b
	/* PDPT_K[510] -> PD_K: kernel alias 0xffffffff80000000 -> [0, 16 MiB) */
	movl $(PD_K | P | RW), PDPT_K + 510 * 8
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $(P | RW | PS), %eax
	mov %eax, PD_K(, %ecx, 8)
	inc %ecx
	cmp $8, %ecx
	jb 1b
	ret

	.code64
long_entry:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	mov %ebp, %edx                  /* FS base = cpu << 32 | 0x1000 */
	mov $0xC0000100, %ecx
	mov $0x1000, %eax
	wrmsr
	mov $0xC0000101, %ecx           /* GS base = 0xffff8000_00002000 + cpu << 32 */
	mov $0x2000, %eax
	mov %ebp, %edx
	or $0xffff8000, %edx
	wrmsr
	mov $0xC0000102, %ecx           /* kernel GS base */
	mov $0x3000, %eax
	mov %ebp, %edx
	or $0xfffff000, %edx
	wrmsr
	movabs $0xffff800000000000, %rax
	add %rax, %rsp                  /* stack in the direct-map alias */
	mov $halt64, %eax
	movabs $0xffffffff80000000, %rbx
	add %rbx, %rax
	push %rax                       /* ret below lands in the kernel alias */
	mov $0xe9, %dx
	mov $'B', %al
	test %ebp, %ebp
	jz 1f
	mov $'A', %al
1:	out %al, %dx
	mov %rbp, %rdi
	shl $56, %rdi                   /* CPU number in the top byte of every register */
	mov $0x0222222222222222, %rbx
	or %rdi, %rbx
	mov $0x0333333333333333, %rcx
	or %rdi, %rcx
	mov $0x0444444444444444, %rdx
	or %rdi, %rdx
	mov $0x0555555555555555, %rsi
	or %rdi, %rsi
	mov $0x0888888888888888, %r8
	or %rdi, %r8
	mov $0x0999999999999999, %r9
	or %rdi, %r9
	mov $0x0aaaaaaaaaaaaaaa, %r10
	or %rdi, %r10
	mov $0x0bbbbbbbbbbbbbbb, %r11
	or %rdi, %r11
	mov $0x0ccccccccccccccc, %r12
	or %rdi, %r12
	mov $0x0ddddddddddddddd, %r13
	or %rdi, %r13
	mov $0x0eeeeeeeeeeeeeee, %r14
	or %rdi, %r14
	mov $0x0fffffffffffffff, %r15
	or %rdi, %r15
	mov $0x0777777777777777, %rbp
	or %rdi, %rbp
	mov $0x0111111111111111, %rax
	or %rdi, %rax
	xor const_666(%rip), %rdi       /* rdi = 0x0666.. | cpu << 56 */
	ret

halt64:
	cli
	hlt
	jmp halt64
	.code32
.else
/* ---- 32-bit modes ---- */
	.code32
regs32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %gs
	mov $0x38, %ax                  /* data segment with base 0x400000 */
	mov %ax, %fs
	add $0xC0000000, %esp           /* stack in the high alias */
	mov $halt32, %eax
	add $0xC0000000, %eax
	push %eax
	mov $0xe9, %dx
	mov $'B', %al
	test %ebp, %ebp
	jz 1f
	mov $'A', %al
1:	out %al, %dx
	mov %ebp, %edi
	shl $28, %edi
	mov $0x02222222, %ebx
	or %edi, %ebx
	mov $0x03333333, %ecx
	or %edi, %ecx
	mov $0x04444444, %edx
	or %edi, %edx
	mov $0x05555555, %esi
	or %edi, %esi
	mov $0x07777777, %ebp
	or %edi, %ebp
	mov $0x01111111, %eax
	or %edi, %eax
	or $0x06666666, %edi
	ret

halt32:
	cli
	hlt
	jmp halt32

.if MODE == 2
/* ---- PAE: PDPT 0x300000 (4 entries), PD0 0x301000, PT_LO 0x302000, PD3 0x303000,
 * PT_HI 0x304000 ---- */
	.set PDPT, PT_BASE
	.set PD0, PT_BASE + 0x1000
	.set PT_LO, PT_BASE + 0x2000
	.set PD3, PT_BASE + 0x3000
	.set PT_HI, PT_BASE + 0x4000
build_tables:
	movl $(PD0 | P), PDPT
	movl $(PD3 | P), PDPT + 3 * 8
	movl $(PT_LO | P | RW), PD0
	mov $PT_LO, %edi
	call fill_pt_lo_8
	/* PD0[1..31]: 2 MiB identity; PD0[40]: 2 MiB NX page -> GPA 0x400000 (alias) */
	mov $1, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $(P | RW | PS), %eax
	mov %eax, PD0(, %ecx, 8)
	inc %ecx
	cmp $32, %ecx
	jb 1b
	movl $(0x400000 | P | RW | PS), PD0 + 40 * 8
	movl $NXHI, PD0 + 40 * 8 + 4
	/* PD3 (VA 0xC0000000): [0..31] 2 MiB identity alias; [100] -> PT_HI scatter */
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $(P | RW | PS), %eax
	mov %eax, PD3(, %ecx, 8)
	inc %ecx
	cmp $32, %ecx
	jb 1b
	movl $(PT_HI | P | RW), PD3 + 100 * 8
	xor %ecx, %ecx
1:	test $1, %ecx
	jnz 2f
	mov $511, %eax
	sub %ecx, %eax
	shl $12, %eax
	add $PAT_START, %eax
	or $(P | RW), %eax
	mov %eax, PT_HI(, %ecx, 8)
2:	inc %ecx
	cmp $512, %ecx
	jb 1b
	ret
.else
/* ---- 32-bit non-PAE with PSE: PD 0x300000, PT_LO 0x301000, PT_HI 0x302000 ---- */
	.set PD, PT_BASE
	.set PT_LO, PT_BASE + 0x1000
	.set PT_HI, PT_BASE + 0x2000
build_tables:
	movl $(PT_LO | P | RW), PD
	/* PT_LO: identity [0, 4 MiB) except a hole at [0x50000, 0x60000); the last 16 pages
	 * remapped to pattern pages in reverse */
	mov $PT_LO, %edi
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $12, %eax
	cmp $0x50, %ecx
	jb 2f
	cmp $0x60, %ecx
	jb 3f
	cmp $0x3f0, %ecx
	jb 2f
	mov $0x3ff, %eax
	sub %ecx, %eax
	shl $12, %eax
	add $PAT_START, %eax
2:	or $(P | RW), %eax
	mov %eax, (%edi, %ecx, 4)
3:	inc %ecx
	cmp $1024, %ecx
	jb 1b
	/* PD[1..15]: 4 MiB identity pages; PD[0x300..0x30f] the same at 0xC0000000;
	 * PD[0x380] -> PT_HI scatter */
	mov $1, %ecx
1:	mov %ecx, %eax
	shl $22, %eax
	or $(P | RW | PS), %eax
	mov %eax, PD(, %ecx, 4)
	inc %ecx
	cmp $16, %ecx
	jb 1b
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $22, %eax
	or $(P | RW | PS), %eax
	mov %eax, PD + 0x300 * 4(, %ecx, 4)
	inc %ecx
	cmp $16, %ecx
	jb 1b
	movl $(PT_HI | P | RW), PD + 0x380 * 4
	xor %ecx, %ecx
1:	test $1, %ecx
	jnz 2f
	mov $1023, %eax
	sub %ecx, %eax
	shl $12, %eax
	add $PAT_START, %eax
	or $(P | RW), %eax
	mov %eax, PT_HI(, %ecx, 4)
2:	inc %ecx
	cmp $1024, %ecx
	jb 1b
	ret
.endif

.if MODE == 2
/* PAE PT at %edi: identity [0, 2 MiB) except a hole at [0x50000, 0x60000); the last 16
 * pages remapped to pattern pages in reverse */
fill_pt_lo_8:
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $12, %eax
	cmp $0x50, %ecx
	jb 2f
	cmp $0x60, %ecx
	jb 3f
	cmp $0x1f0, %ecx
	jb 2f
	mov $0x1ff, %eax
	sub %ecx, %eax
	shl $12, %eax
	add $PAT_START, %eax
2:	or $(P | RW), %eax
	mov %eax, (%edi, %ecx, 8)
3:	inc %ecx
	cmp $512, %ecx
	jb 1b
	ret
.endif
.endif

	.code32
/* Load TR with the TSS descriptor at 0x28 (BSP only: the APs keep the reset TR). */
load_tr:
	test %ebp, %ebp
	jnz 1f
	mov $tss, %eax
	mov %ax, gdt + 0x28 + 2
	shr $16, %eax
	mov %al, gdt + 0x28 + 4
	mov %ah, gdt + 0x28 + 7
	mov $0x28, %ax
	ltr %ax
1:	ret

/* ---- AP trampoline, copied to TRAMP; entered in real mode at CS:IP = 0x0800:0 ---- */
	.code16
tramp_start:
	cli
	mov %cs, %ax
	mov %ax, %ds
	lgdtl tramp_gdt_desc - tramp_start
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $ap_pm32
	.align 4
tramp_gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt
tramp_end:

	.code32
ap_pm32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $1, %ebp
	lock xadd %ebp, ap_counter
	jmp common_entry

	.section .data
	.align 16
gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF        /* 0x08 code32 */
	.quad 0x00CF92000000FFFF        /* 0x10 data */
	.quad 0x00AF9A000000FFFF        /* 0x18 code64 */
	.quad 0
	.quad 0x0000890000000067        /* 0x28 TSS (base filled by load_tr) */
	.quad 0                         /* 0x30 upper half of a 64-bit TSS descriptor */
	.quad 0x00CF92400000FFFF        /* 0x38 data, base 0x400000 */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt
	.align 4
ap_counter:
	.long 1
	.align 8
const_666:
	.quad 0x0666666666666666
	.align 16
tss:
	.fill 0x68, 1, 0
