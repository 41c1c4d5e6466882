; The accelerator probe guest: a complete PVH ELF64 image written byte by byte (nasm -f bin),
; so the library needs no linker at run time. QEMU enters it in 32-bit protected mode with
; paging off at ring 0, which is exactly where kvm_pvm's instruction emulator lacks SSE: if this
; guest prints "sse-ok", the accelerator can run NativeAOT-compiled C# at ring 0.
; Then it halts forever (cli; hlt), or with -DTICK prints '.' about every millisecond so that a
; resumed guest shows it is running again (the benchmark measures resume to the next byte), or with
; -DCPUID prints the CPUID leaves a guest sees (the capability-mask test compares them) and halts.
bits 32
BASE equ 0x100000
COM1 equ 0x3f8
org BASE

ehdr:
    db 0x7f, "ELF", 2, 1, 1, 0          ; ELFCLASS64, little endian, version 1, SysV ABI
    times 8 db 0
    dw 2                                ; ET_EXEC
    dw 0x3e                             ; EM_X86_64
    dd 1
    dq start                            ; e_entry (unused under PVH, the note's entry wins)
    dq phdrs - ehdr                     ; e_phoff
    dq 0                                ; e_shoff
    dd 0
    dw 64, 56, 2                        ; e_ehsize, e_phentsize, e_phnum
    dw 64, 0, 0                         ; e_shentsize, e_shnum, e_shstrndx
phdrs:
    dd 1, 5                             ; PT_LOAD, R+X
    dq 0, BASE, BASE                    ; offset, vaddr, paddr: the whole file at 1 MiB
    dq file_end - ehdr, file_end - ehdr
    dq 0x1000
    dd 4, 4                             ; PT_NOTE
    dq note - ehdr, note, note
    dq note_end - note, note_end - note
    dq 4
note:
    dd 4, 4, 18                         ; namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY
    db "Xen", 0
    dd start
note_end:

%macro PRINT 1
    mov esi, %1
%%next:
    lodsb
    test al, al
    jz %%done
    mov dx, COM1
    out dx, al
    jmp %%next
%%done:
%endmacro

start:
    cli
    mov eax, cr0
    and eax, ~(1 << 2)                  ; CR0.EM off: SSE is not emulated by an x87 trap
    or eax, 1 << 1                      ; CR0.MP on
    mov cr0, eax
    mov eax, cr4
    or eax, (1 << 9) | (1 << 10)        ; CR4.OSFXSR | CR4.OSXMMEXCPT
    mov cr4, eax
    mov eax, 0x3fc00000                 ; 1.5f
    movd xmm0, eax
    mov eax, 0x40200000                 ; 2.5f
    movd xmm1, eax
    addss xmm0, xmm1
    pxor xmm2, xmm2
    movaps xmm3, xmm0
    cvttss2si eax, xmm3                 ; 4 if SSE really ran
    cmp eax, 4
    jne wrong
    PRINT msg_ok
%ifdef CPUID
    mov esp, BASE + 0x10000             ; PVH gives no stack; RAM above the image is free
    mov edi, leaves
cpuid_next:
    mov eax, [edi]
    cmp eax, -1
    je halt
    mov ecx, [edi + 4]
    cpuid
    mov [regs], eax
    mov [regs + 4], ebx
    mov [regs + 8], ecx
    mov [regs + 12], edx
    PRINT msg_cpuid
    mov eax, [edi]
    call hex32
    mov al, '.'
    call putc
    mov eax, [edi + 4]
    call hex32
    xor ebp, ebp
cpuid_reg:
    mov al, ' '
    call putc
    mov eax, [regs + ebp * 4]
    call hex32
    inc ebp
    cmp ebp, 4
    jb cpuid_reg
    mov al, 10
    call putc
    add edi, 8
    jmp cpuid_next
hex32:                                  ; eax as 8 hex digits
    mov ebx, eax
    mov ecx, 8
hex32_digit:
    rol ebx, 4
    mov al, bl
    and al, 0xf
    add al, '0'
    cmp al, '9'
    jbe hex32_put
    add al, 'a' - '9' - 1
hex32_put:
    call putc
    loop hex32_digit
    ret
putc:
    mov dx, COM1
    out dx, al
    ret
%endif
%ifdef TICK
tick:
    rdtsc
    mov ebx, eax
.wait:
    pause
    rdtsc
    sub eax, ebx
    cmp eax, 2000000                    ; about 1 ms of TSC on a 2 GHz host
    jb .wait
    mov al, '.'
    mov dx, COM1
    out dx, al
    jmp tick
%endif
    jmp halt
wrong:
    PRINT msg_wrong
halt:
    cli
    hlt
    jmp halt

msg_ok:    db "summoner-probe sse-ok", 10, 0
msg_wrong: db "summoner-probe sse-wrong", 10, 0
%ifdef CPUID
regs equ BASE + 0x8000
msg_cpuid: db "summoner-probe cpuid ", 0
leaves:    dd 0, 0, 1, 0, 7, 0, 0xd, 1, 0x80000000, 0, 0x80000001, 0, 0x80000007, 0, 0x80000008, 0, -1, 0
%endif
file_end:
