; Boot stub for the C# kernel: PVH entry (32-bit protected mode, paging off, ebx = start_info),
; identity-mapped long mode, then kmain(bootInfo, magic). Also the few helpers that need
; instructions C# cannot emit (port I/O, rdtsc, hlt) and the interface dispatch thunk.
bits 32
extern __bss_start, __bss_end, _bss_end, __modules_start, __modules_end, kmain, kern_resolve_itf

section .note.pvh note alloc align=4
    dd 4                        ; namesz
    dd 8                        ; descsz: QEMU reads 64 bits for an ELF64 image
    dd 18                       ; XEN_ELFNOTE_PHYS32_ENTRY
    db "Xen", 0
    dq _start32

section .boot.text exec
global _start32
_start32:
    cli
    mov edi, ebx                ; keep start_info across bss zeroing
    mov esi, eax
    rdtsc
    mov ebp, eax                ; low half of entry TSC
    mov ecx, edx
    ; zero .bss (page tables and boot stack live there)
    push ecx
    mov eax, 0
    lea edx, [__bss_start]
.zero:
    cmp edx, __bss_end
    jae .zeroed
    mov dword [edx], eax
    add edx, 4
    jmp .zero
.zeroed:
    pop ecx
    mov [entry_tsc], ebp
    mov [entry_tsc + 4], ecx
    mov [boot_info], edi
    mov [boot_magic], esi
    mov esp, boot_stack_top

    ; PML4[0] -> PDPT; PDPT[0..3] -> PD0..PD3; PDs map 4 GiB with 2 MiB pages.
    mov eax, pdpt
    or eax, 3
    mov [pml4], eax
    mov ecx, 0
.pdpt:
    mov eax, ecx
    shl eax, 12
    add eax, pd
    or eax, 3
    mov [pdpt + ecx*8], eax
    inc ecx
    cmp ecx, 4
    jb .pdpt
    mov ecx, 0
.pd:
    mov eax, ecx
    shl eax, 21
    or eax, 0x83                ; present, writable, 2 MiB
    mov [pd + ecx*8], eax
    mov eax, ecx
    shr eax, 11                 ; high bits of the physical address for entries above 4 GiB: none
    mov dword [pd + ecx*8 + 4], 0
    inc ecx
    cmp ecx, 2048
    jb .pd

    mov eax, pml4
    mov cr3, eax
    mov eax, cr4
    or eax, (1 << 5) | (1 << 9) | (1 << 10)   ; PAE, OSFXSR, OSXMMEXCPT
    mov cr4, eax
    mov ecx, 0xC0000080                        ; EFER
    rdmsr
    or eax, (1 << 8)                           ; LME
    wrmsr
    mov eax, cr0
    and eax, ~(1 << 2)                         ; clear EM
    or eax, (1 << 31) | (1 << 1) | 1           ; PG, MP, PE
    mov cr0, eax
    lgdt [gdt_ptr]
    jmp 0x08:long_entry

bits 64
long_entry:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor ax, ax
    mov fs, ax
    mov gs, ax
    mov rsp, boot_stack_top
    fninit
    mov edi, [boot_info]
    mov esi, [boot_magic]
    call kmain
    xor edi, edi
    jmp kern_exit

section .text
global kern_outb, kern_inb, kern_outl, kern_inl, kern_rdtsc, kern_exit, kern_halt
global kern_heap_base, kern_modules_start, kern_modules_end, kern_entry_tsc
global RhpInitialDynamicInterfaceDispatch, RhpStackProbe, RhpFallbackFailFast


kern_outb:
    mov dx, di
    mov al, sil
    out dx, al
    ret
kern_inb:
    mov dx, di
    xor eax, eax
    in al, dx
    ret
kern_outl:
    mov dx, di
    mov eax, esi
    out dx, eax
    ret
kern_inl:
    mov dx, di
    in eax, dx
    ret
kern_rdtsc:
    rdtsc
    shl rdx, 32
    or rax, rdx
    ret
kern_entry_tsc:
    mov rax, [entry_tsc]
    ret
kern_halt:
    sti
    hlt
    ret
; isa-debug-exit at 0xf4 makes QEMU exit with (code << 1) | 1; without that device, a triple
; fault ends the VM (QEMU runs with -no-reboot / libvirt on_reboot=destroy).
kern_exit:
    mov eax, edi
    out 0xf4, eax
    lidt [null_idt]
    int3
.hang:
    hlt
    jmp .hang
kern_heap_base:
    lea rax, [_bss_end]
    add rax, 0xfff
    and rax, ~0xfff
    ret
kern_modules_start:
    lea rax, [__modules_start]
    ret
kern_modules_end:
    lea rax, [__modules_end]
    ret

; Interface call sites do `lea r11, [cell]; call [r11]`. Preserve argument registers, resolve
; the target in C#, then tail-jump to it.
RhpInitialDynamicInterfaceDispatch:
    push rdi
    push rsi
    push rdx
    push rcx
    push r8
    push r9
    push r11
    sub rsp, 8 + 128
    movdqu [rsp + 0], xmm0
    movdqu [rsp + 16], xmm1
    movdqu [rsp + 32], xmm2
    movdqu [rsp + 48], xmm3
    movdqu [rsp + 64], xmm4
    movdqu [rsp + 80], xmm5
    movdqu [rsp + 96], xmm6
    movdqu [rsp + 112], xmm7
    mov rsi, r11
    call kern_resolve_itf
    movdqu xmm0, [rsp + 0]
    movdqu xmm1, [rsp + 16]
    movdqu xmm2, [rsp + 32]
    movdqu xmm3, [rsp + 48]
    movdqu xmm4, [rsp + 64]
    movdqu xmm5, [rsp + 80]
    movdqu xmm6, [rsp + 96]
    movdqu xmm7, [rsp + 112]
    add rsp, 8 + 128
    pop r11
    pop r9
    pop r8
    pop rcx
    pop rdx
    pop rsi
    pop rdi
    jmp rax

RhpStackProbe:
    ret

RhpFallbackFailFast:
    mov edi, 3
    jmp kern_exit

section .rodata
align 16
gdt:
    dq 0
    dq 0x00AF9A000000FFFF       ; 0x08 code64
    dq 0x00CF92000000FFFF       ; 0x10 data
gdt_end:
gdt_ptr:
    dw gdt_end - gdt - 1
    dq gdt
null_idt:
    dw 0
    dq 0

section .data
global __security_cookie
align 8
__security_cookie: dq 0x2f5a3c4d1e0b9a87
entry_tsc: dq 0
boot_info: dq 0
boot_magic: dq 0

section .bss
align 4096
pml4: resb 4096
pdpt: resb 4096
pd:   resb 4096 * 4
boot_stack: resb 65536
boot_stack_top:
