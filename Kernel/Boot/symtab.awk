# Turns `nm -n --defined-only image.elf` into a nasm source for the .ksyms section: the symbol
# table the kernel uses to name the methods in a panic's backtrace (Kernel/Runtime/Symbols.cs).
# Only code symbols are kept, one per address, without nasm's local labels (name.label).
#
# Layout, compact because it is loaded with every image (~18 KB for hello where plain names
# would take 67 KB):
#   dd count; db block shift (5: blocks of 32 entries), db token count, dw 0
#   count x dd address                                   (sorted)
#   ceil(count / 32) x dd offset of the block's first name record, from the first record
#   token count x { db a, db b }: byte 128 + t stands for bytes a and b (each a byte below 128
#       or an earlier token), found by byte-pair encoding over all names
#   name records: db shared, db length, then `length` bytes: the name is the first `shared`
#       bytes of the previous entry's name followed by these bytes, tokens expanded. The first
#       entry of a block has shared = 0, so a reader rebuilds a name from its block's start.
# The pair search is deterministic (ties go to the pair seen first), so the same image gives
# the same table.
BEGIN {
    n = 0; shift = 5; block = 2 ^ shift; maxTokens = 127
    for (c = 32; c < 127; c++) ord[sprintf("%c", c)] = c
}
$2 ~ /^[Tt]$/ && $3 !~ /\./ && $3 != "_load_start" {
    if ($1 == last) next
    last = $1
    if (length($1) > 8 && substr($1, 1, length($1) - 8) !~ /^0*$/) {
        print "symtab.awk: " $3 " at 0x" $1 " is above 4 GiB; .ksyms stores 32-bit addresses" > "/dev/stderr"
        failed = 1
        exit 1
    }
    if ($3 ~ /[^ -~]/) {
        print "symtab.awk: symbol " $3 " has a byte outside printable ASCII" > "/dev/stderr"
        failed = 1
        exit 1
    }
    addr[n] = $1; name[n] = substr($3, 1, 255); n++
}
END {
    if (failed) exit 1
    # Front coding: each name as the part it shares with its predecessor plus its own bytes.
    for (i = 0; i < n; i++) {
        shared = 0
        if (i % block != 0) {
            prev = name[i - 1]; cur = name[i]
            limit = length(cur) < length(prev) ? length(cur) : length(prev)
            while (shared < limit && substr(cur, shared + 1, 1) == substr(prev, shared + 1, 1)) shared++
        }
        share[i] = shared
        suffix = substr(name[i], shared + 1)
        len[i] = length(suffix)
        for (k = 1; k <= len[i]; k++) seq[i, k] = ord[substr(suffix, k, 1)]
    }
    # Byte-pair encoding: replace the most frequent adjacent pair by a new byte, up to 127 times,
    # while a pair still occurs more than 3 times (below that a token costs more than it saves).
    tokens = 0
    while (tokens < maxTokens) {
        split("", count)
        best = ""; bestCount = 3
        for (i = 0; i < n; i++)
            for (k = 1; k < len[i]; k++) {
                key = seq[i, k] " " seq[i, k + 1]
                if (++count[key] > bestCount) { bestCount = count[key]; best = key }
            }
        if (best == "") break
        split(best, pair, " ")
        a = pair[1] + 0; b = pair[2] + 0; code = 128 + tokens
        tokenA[tokens] = a; tokenB[tokens] = b; tokens++
        for (i = 0; i < n; i++) {
            w = 0; k = 1
            while (k <= len[i]) {
                if (k < len[i] && seq[i, k] == a && seq[i, k + 1] == b) { out[++w] = code; k += 2 }
                else { out[++w] = seq[i, k]; k++ }
            }
            if (w != len[i]) {
                for (k = 1; k <= w; k++) seq[i, k] = out[k]
                for (k = w + 1; k <= len[i]; k++) delete seq[i, k]
                len[i] = w
            }
        }
    }
    print "section .ksyms progbits alloc noexec nowrite align=8"
    printf "dd %d\ndb %d, %d, 0, 0\n", n, shift, tokens
    for (i = 0; i < n; i++) printf "dd 0x%s\n", substr(addr[i], length(addr[i]) - 7)
    offset = 0
    for (i = 0; i < n; i++) {
        if (i % block == 0) blockOffset[i / block] = offset
        offset += 2 + len[i]
    }
    for (j = 0; j * block < n; j++) printf "dd %d\n", blockOffset[j]
    for (t = 0; t < tokens; t++) printf "db %d, %d\n", tokenA[t], tokenB[t]
    for (i = 0; i < n; i++) {
        line = "db " share[i] ", " len[i]
        for (k = 1; k <= len[i]; k++) line = line ", " seq[i, k]
        print line
    }
}
