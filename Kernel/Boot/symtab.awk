# Turns `nm -n --defined-only image.elf` into a nasm source for the .ksyms section: the symbol
# table the kernel uses to name the methods in a panic's backtrace (Kernel/Runtime/Symbols.cs).
# Only code symbols are kept, one per address, without nasm's local labels (name.label).
#
# Layout, compact because it is loaded with every image (front coding, as in LevelDB's blocks):
#   dd count, dd 0
#   count x { dd address; dd offset of the entry's name record }   (sorted by address)
#   name records: db shared, db length, then `length` bytes: the name is the first `shared`
#   bytes of the previous entry's name followed by these bytes. Every 16th entry (index % 16
#   == 0) has shared = 0, so a reader rebuilds any name from at most 15 predecessors.
BEGIN { n = 0; total = 0; restart = 16 }
$2 ~ /^[Tt]$/ && $3 !~ /\./ && $3 != "_load_start" {
    if ($1 == last) next
    last = $1
    if (length($1) > 8 && substr($1, 1, length($1) - 8) !~ /^0*$/) {
        print "symtab.awk: " $3 " at 0x" $1 " is above 4 GiB; .ksyms stores 32-bit addresses" > "/dev/stderr"
        failed = 1
        exit 1
    }
    name = substr($3, 1, 255)
    shared = 0
    if (n % restart != 0) {
        limit = length(name) < length(prev) ? length(name) : length(prev)
        while (shared < limit && substr(name, shared + 1, 1) == substr(prev, shared + 1, 1)) shared++
    }
    addr[n] = $1; off[n] = total; share[n] = shared; suffix[n] = substr(name, shared + 1)
    total += 2 + length(suffix[n]); prev = name; n++
}
END {
    if (failed) exit 1
    print "section .ksyms progbits alloc noexec nowrite align=8"
    print "dd " n ", 0"
    for (i = 0; i < n; i++) printf "dd 0x%s, %d\n", substr(addr[i], length(addr[i]) - 7), off[i]
    for (i = 0; i < n; i++) {
        printf "db %d, %d", share[i], length(suffix[i])
        if (suffix[i] != "") printf ", \"%s\"", suffix[i]
        printf "\n"
    }
}
