; Boot stub for the C# kernel: PVH entry (32-bit protected mode, paging off, ebx = start_info),
; identity-mapped long mode, then kmain(bootInfo, magic). Also what C# cannot express: port I/O,
; control registers, the GDT/TSS/IDT and interrupt entry stubs, the collector's register spill
; and the stack probe.
bits 32
extern __bss_start, __bss_end, _bss_end, __modules_start, __modules_end, kmain, kern_resolve_itf
extern kern_interrupt, kern_collect_managed
extern kern_dispatch_exception, kern_dispatch_fault, __eh_frame_start, __eh_frame_end
extern __text_start, __text_end, __data_start, __data_end, __ksyms_start, __ksyms_end, __static_start, __static_end

PAGE        equ 4096
STACK_SIZE  equ 512 * 1024
IST_SIZE    equ 16 * 1024

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
    mov esi, eax
    rdtsc                       ; first thing: "time since entry" counts from here
    mov [entry_tsc], eax
    mov [entry_tsc + 4], edx
    mov [boot_info], ebx
    mov [boot_magic], esi
    cld
    ; zero .bss (C# statics); stacks and page tables live in .kstack and are not zeroed wholesale
    mov edi, __bss_start
    mov ecx, __bss_end
    sub ecx, edi
    shr ecx, 2
    xor eax, eax
    rep stosd
    mov edi, pml4               ; PML4 and PDPT: two pages
    mov ecx, 2 * PAGE / 4
    rep stosd
    mov esp, boot_stack_top

    ; PML4[0] -> PDPT; PDPT[0..3] -> PD0..PD3; the PDs map 4 GiB with 2 MiB pages (RAM plus the
    ; MMIO hole: virtio-mmio 0xfeb00000, IOAPIC 0xfec00000, LAPIC 0xfee00000). Paging.cs later
    ; splits single 2 MiB pages to unmap the null page and the stack guard page.
    mov eax, pdpt
    or eax, 3
    mov [pml4], eax
    xor ecx, ecx
.pdpt:
    mov eax, ecx
    shl eax, 12
    add eax, pd
    or eax, 3
    mov [pdpt + ecx*8], eax
    inc ecx
    cmp ecx, 4
    jb .pdpt
    xor ecx, ecx
.pd:
    mov eax, ecx
    shl eax, 21
    or eax, 0x83                ; present, writable, 2 MiB
    cmp ecx, 2032               ; 0xFE000000 and up: device registers, uncached
    jb .cached
    or eax, 0x18                ; PWT | PCD
.cached:
    mov [pd + ecx*8], eax
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
    or eax, (1 << 31) | (1 << 16) | (1 << 1) | 1   ; PG, WP, MP, PE
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
    xor ebp, ebp                ; ends the frame-pointer chain for backtraces
    fninit
    call load_tss_and_idt
    mov edi, [boot_info]
    mov esi, [boot_magic]
    call kmain
    xor edi, edi
    jmp kern_exit

; TSS with two interrupt stacks: IST1 for CPU exceptions (so a stack overflow's page fault still
; has a stack to run on), IST2 for device and timer interrupts (so the red zone and depth of the
; interrupted stack do not matter). Then 256 interrupt gates pointing at the stubs below.
load_tss_and_idt:
    lea rdi, [tss]
    xor eax, eax
    mov ecx, 104 / 4
    rep stosd
    lea rax, [ist1_top]
    mov [tss + 0x24], rax
    lea rax, [ist2_top]
    mov [tss + 0x2c], rax
    mov word [tss + 0x66], 104  ; no I/O permission bitmap
    lea rax, [tss]
    mov word [gdt + 0x18], 103
    mov [gdt + 0x18 + 2], ax
    shr rax, 16
    mov [gdt + 0x18 + 4], al
    mov byte [gdt + 0x18 + 5], 0x89  ; present, 64-bit available TSS
    mov byte [gdt + 0x18 + 6], 0
    mov [gdt + 0x18 + 7], ah
    shr rax, 16
    mov [gdt + 0x18 + 8], eax
    mov dword [gdt + 0x18 + 12], 0
    mov ax, 0x18
    ltr ax

    xor ecx, ecx
.gate:
    mov rax, [isr_table + rcx*8]
    mov rdx, rcx
    shl rdx, 4
    lea rdi, [idt + rdx]
    mov [rdi], ax               ; offset 15:0
    mov word [rdi + 2], 0x08    ; kernel code selector
    mov byte [rdi + 4], 1       ; IST1: exceptions
    cmp ecx, 32
    jb .ist
    mov byte [rdi + 4], 2       ; IST2: interrupts
.ist:
    mov byte [rdi + 5], 0x8e    ; present, DPL0, interrupt gate (IF cleared on entry)
    shr rax, 16
    mov [rdi + 6], ax           ; offset 31:16
    shr rax, 16
    mov [rdi + 8], eax          ; offset 63:32
    mov dword [rdi + 12], 0
    inc ecx
    cmp ecx, 256
    jb .gate
    lidt [idt_ptr]
    ret

; Interrupt entry: every vector pushes (error code or 0, vector) and joins isr_common, which saves
; all general registers and the SSE state (C# handlers use SSE) and passes the frame to C#.
%macro ISR 1
isr_%1:
%if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
    push qword %1
%else
    push qword 0
    push qword %1
%endif
    jmp isr_common
%endmacro

section .text
%assign i 0
%rep 256
ISR i
%assign i i + 1
%endrep

isr_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rdi, rsp                ; InterruptFrame*
    mov rbx, rsp
    sub rsp, 512
    and rsp, -16
    fxsave [rsp]
    cld
    call kern_interrupt
    fxrstor [rsp]
    mov rsp, rbx
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16                 ; vector and error code
    iretq

global kern_outb, kern_inb, kern_outl, kern_inl, kern_rdtsc, kern_exit, kern_halt
global kern_heap_base, kern_modules_start, kern_modules_end, kern_entry_tsc
global kern_cr2, kern_cr3, kern_frame_pointer, kern_invlpg, kern_page_directory
global kern_wait_for_interrupt, kern_enable_interrupts, kern_disable_interrupts
global kern_stack_top, kern_stack_guard, kern_text_start, kern_text_end
global kern_data_start, kern_data_end, kern_bss_start, kern_bss_end, kern_collect, kern_zero
global kern_static_start, kern_static_end, kern_symbols_start, kern_symbols_end, kern_exception_stack, kern_interrupt_stack, kern_mfence
global RhpInitialDynamicInterfaceDispatch, RhpStackProbe, RhpByRefAssignRef

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
global kern_outw                ; fw_cfg's selector register is 16 bits wide
kern_outw:
    mov dx, di
    mov ax, si
    out dx, ax
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
kern_enable_interrupts:
    sti
    ret
kern_disable_interrupts:
    cli
    ret
; Halts unless an interrupt was counted since the caller last looked (rdi = counter address,
; rsi = the value it saw). cli closes the window between the check and hlt; sti's one-instruction
; shadow makes "sti; hlt" atomic, so a wake-up cannot be lost.
kern_wait_for_interrupt:
    cli
    cmp [rdi], rsi
    jne .pending
    sti
    hlt
    ret
.pending:
    sti
    ret
; Zeroes rsi bytes at rdi (a multiple of 8): the heap and page allocator's clearing loop.
kern_zero:
    mov rcx, rsi
    shr rcx, 3
    xor eax, eax
    rep stosq
    ret
kern_mfence:
    mfence
    ret
kern_cr2:
    mov rax, cr2
    ret
kern_cr3:
    mov rax, cr3
    ret
kern_invlpg:
    invlpg [rdi]
    ret
; rbp of the caller: the head of its frame-pointer chain.
kern_frame_pointer:
    mov rax, rbp
    ret
kern_page_directory:
    lea rax, [pd]
    ret
kern_stack_top:
    lea rax, [boot_stack_top]
    ret
kern_stack_guard:
    lea rax, [stack_guard]
    ret
kern_text_start:
    lea rax, [__text_start]
    ret
kern_text_end:
    lea rax, [__text_end]
    ret
kern_data_start:
    lea rax, [__data_start]
    ret
kern_data_end:
    lea rax, [__data_end]
    ret
; Bases of the IST stacks (each IST_SIZE bytes), for backtraces taken on them.
kern_exception_stack:
    lea rax, [ist1]
    ret
kern_interrupt_stack:
    lea rax, [ist2]
    ret
kern_static_start:
    lea rax, [__static_start]
    ret
kern_static_end:
    lea rax, [__static_end]
    ret
kern_symbols_start:
    lea rax, [__ksyms_start]
    ret
kern_symbols_end:
    lea rax, [__ksyms_end]
    ret
kern_bss_start:
    lea rax, [__bss_start]
    ret
kern_bss_end:
    lea rax, [__bss_end]
    ret

; isa-debug-exit at 0xf4 makes QEMU exit with (code << 1) | 1; without that device, a triple
; fault ends the VM (QEMU runs with -no-reboot / libvirt on_reboot=destroy).
kern_exit:
    cli
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

; The collector scans the stack conservatively: spill the callee-saved registers (the only ones
; that can hold a caller's object reference across this call) onto the stack it will scan, and
; pass it the lowest address to scan.
kern_collect:
    push rbp
    mov rbp, rsp
    push rbx
    push r12
    push r13
    push r14
    push r15
    push 0                      ; 16-byte alignment at the call; 0, not a stale word the scan would see
    mov rdi, rsp
    call kern_collect_managed
    add rsp, 8
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret

; Exceptions (Runtime/Exceptions). A throw captures the thrower's context (ExceptionContext:
; rip, rsp, rbp, rbx, r12-r15, in that order) on the stack and hands it to the C# dispatcher,
; which never returns here: it resumes at a catch through kern_resume_at, or powers off.
global RhpThrowEx, RhpRethrow, kern_throw_fault, kern_throw_fault_address, kern_call_funclet, kern_resume_at
global kern_eh_frame_start, kern_eh_frame_end

%macro CAPTURE_THROW_CONTEXT 0
    lea rax, [rsp + 8]          ; the thrower's rsp once this call has returned
    push r15
    push r14
    push r13
    push r12
    push rbx
    push rbp
    push rax
    push qword [rax - 8]        ; rip: the return address, inside the throwing method
    mov rsi, rsp
    sub rsp, 8                  ; 8 pushes on a call-misaligned stack: realign to 16
%endmacro

; rdi = the exception object.
RhpThrowEx:
    CAPTURE_THROW_CONTEXT
    xor edx, edx
    call kern_dispatch_exception
    int3

; `throw;` in a catch handler: the dispatcher knows which exception that handler is running for.
RhpRethrow:
    CAPTURE_THROW_CONTEXT
    xor edi, edi
    mov edx, 1
    call kern_dispatch_exception
    int3

; A CPU fault turned into a managed throw: the fault handler pushed the faulting rip as if it
; were a return address and made iretq land here with rdi = the kind of fault.
kern_throw_fault:
    CAPTURE_THROW_CONTEXT
    and rsp, -16                ; a frameless leaf faults with rsp 8 off the usual alignment
    call kern_dispatch_fault
    int3

; An interface call on a null reference: NullReferenceException at the call site, whose return
; address is on top of the stack as a fault's rip would be.
kern_throw_null_receiver:
    xor edi, edi                ; ExceptionDispatcher.FaultNullReference
    jmp kern_throw_fault

kern_throw_fault_address:
    lea rax, [kern_throw_fault]
    ret

; Calls a catch, filter or finally funclet (rdi) with the exception (rsi) in rdi, as funclets
; expect, and with the callee-saved registers of the frame that owns it (rdx = its context):
; funclets address the parent's locals through its rbp. Returns what the funclet returns (a
; catch: the address to resume at; a filter: nonzero to catch).
kern_call_funclet:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    sub rsp, 8
    mov rax, rdi
    mov rdi, rsi
    mov rbp, [rdx + 16]
    mov rbx, [rdx + 24]
    mov r12, [rdx + 32]
    mov r13, [rdx + 40]
    mov r14, [rdx + 48]
    mov r15, [rdx + 56]
    call rax
    add rsp, 8
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret

; Resumes after a catch (or returns 0 from a filter an exception escaped): everything below the
; target frame's rsp is abandoned.
kern_resume_at:
    mov rbp, [rdi + 16]
    mov rbx, [rdi + 24]
    mov r12, [rdi + 32]
    mov r13, [rdi + 40]
    mov r14, [rdi + 48]
    mov r15, [rdi + 56]
    mov rcx, [rdi]
    mov rsp, [rdi + 8]
    xor eax, eax
    jmp rcx

kern_eh_frame_start:
    lea rax, [__eh_frame_start]
    ret
kern_eh_frame_end:
    lea rax, [__eh_frame_end]
    ret

; Interface call sites do `lea r11, [cell]; call [r11]`. Preserve argument registers, resolve
; the target in C#, then tail-jump to it.
RhpInitialDynamicInterfaceDispatch:
    test rdi, rdi
    jz kern_throw_null_receiver
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

; Prologs of frames larger than a page call this with r11 = the lowest address the frame will
; use. Touch every page from the one below rsp down to r11 in order, so an overflow hits the
; guard page (a clean panic) instead of jumping over it into unrelated memory.
RhpStackProbe:
    push rax
    mov rax, rsp
    and rax, -PAGE
.probe:
    sub rax, PAGE
    test [rax], eax
    cmp rax, r11
    ja .probe
    pop rax
    ret

; Struct copies with references: *rdi = *rsi, both advance. No card table, so no barrier.
RhpByRefAssignRef:
    mov rcx, [rsi]
    mov [rdi], rcx
    add rdi, 8
    add rsi, 8
    ret

section .rodata
align 8
isr_table:
%assign i 0
%rep 256
    dq isr_ %+ i
%assign i i + 1
%endrep
null_idt:
    dw 0
    dq 0
idt_ptr:
    dw 256 * 16 - 1
    dq idt

section .data
global __security_cookie
align 16
gdt:
    dq 0
    dq 0x00AF9A000000FFFF       ; 0x08 code64
    dq 0x00CF92000000FFFF       ; 0x10 data
    dq 0, 0                     ; 0x18 TSS (16 bytes, filled in by load_tss_and_idt)
gdt_end:
gdt_ptr:
    dw gdt_end - gdt - 1
    dq gdt
align 8
__security_cookie: dq 0x2f5a3c4d1e0b9a87
entry_tsc: dq 0
boot_info: dq 0
boot_magic: dq 0

; Page tables, descriptor tables and stacks: outside .bss so the collector's scan of static data
; does not read stale stack words or page-table entries as references.
section .kstack nobits alloc write align=4096
pml4: resb PAGE
pdpt: resb PAGE
pd:   resb PAGE * 4
idt:  resb PAGE
tss:  resb PAGE
ist1: resb IST_SIZE
ist1_top:
ist2: resb IST_SIZE
ist2_top:
stack_guard: resb PAGE          ; unmapped by Paging.cs: an overflow faults here
boot_stack: resb STACK_SIZE
boot_stack_top:
