# Sourced by the bench/net scripts: how they start guests and wait for them.
# QEMU flags for a hello/echo guest under TCG; callers add -m, -kernel, -append, -serial and the NIC.
GUEST_QEMU=(qemu-system-x86_64 -M microvm,x-option-roms=off,isa-serial=on,rtc=on -accel tcg -smp 1 -nographic
            -nodefaults -no-reboot -no-user-config -monitor none -display none)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_line() { # file pattern timeout-seconds
  local i
  for ((i = 0; i < $3 * 50; i++)); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.02; done
  return 1
}
