/* A QEMU 7.2 TCG plugin (plugin API version 1): counts how often each translation block runs and
 * writes "pc instructions count" lines at exit, for bench/net/insn/profile.sh. Declarations are
 * written out here because Debian ships no qemu-plugin.h. Build: gcc -O2 -shared -fPIC -fvisibility=hidden. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
__attribute__((visibility("default"))) int qemu_plugin_version = 1;
extern void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, void (*)(qemu_plugin_id_t, struct qemu_plugin_tb *));
extern size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
extern uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *);
extern void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *, int op, void *ptr, uint64_t imm);
extern void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, void (*)(qemu_plugin_id_t, void *), void *);
struct entry { uint64_t pc; uint64_t n; uint64_t count; };
#define SLOTS (1u << 20)
static struct entry *table;
static const char *out = "counts.txt";
static void trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  uint64_t pc = qemu_plugin_tb_vaddr(tb); size_t n = qemu_plugin_tb_n_insns(tb);
  uint64_t key = pc * 31 + n;
  uint32_t h = (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 44) & (SLOTS - 1);
  while (table[h].n && !(table[h].pc == pc && table[h].n == n)) h = (h + 1) & (SLOTS - 1);
  table[h].pc = pc; table[h].n = n;
  qemu_plugin_register_vcpu_tb_exec_inline(tb, 0, &table[h].count, 1);
}
static void done(qemu_plugin_id_t id, void *u) {
  FILE *f = fopen(out, "w");
  for (uint32_t i = 0; i < SLOTS; i++) if (table[i].count) fprintf(f, "%lx %lu %lu\n", table[i].pc, table[i].n, table[i].count);
  fclose(f);
}
__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const void *info, int argc, char **argv) {
  if (argc > 0 && strncmp(argv[0], "out=", 4) == 0) out = argv[0] + 4;
  table = calloc(SLOTS, sizeof *table);
  qemu_plugin_register_vcpu_tb_trans_cb(id, trans);
  qemu_plugin_register_atexit_cb(id, done, NULL);
  return 0;
}
