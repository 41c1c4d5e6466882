# Turns `nm -n --defined-only image.elf` into a nasm source for the .ksyms section: the symbol
# table the kernel uses to name the methods in a panic's backtrace (Kernel/Runtime/Symbols.cs).
# Layout: dq count; count x {dq address; dd name offset; dd name length}; then the names.
# Only code symbols are kept, one per address, without nasm's local labels (name.label).
BEGIN { n = 0; total = 0 }
$2 ~ /^[Tt]$/ && $3 !~ /\./ && $3 != "_load_start" {
    if ($1 == last) next
    last = $1
    addr[n] = $1; name[n] = $3; off[n] = total; total += length($3); n++
}
END {
    print "section .ksyms progbits alloc noexec nowrite align=8"
    print "dq " n
    for (i = 0; i < n; i++) printf "dq 0x%s\ndd %d, %d\n", addr[i], off[i], length(name[i])
    for (i = 0; i < n; i++) printf "db \"%s\"\n", name[i]
}
