// The pod sandbox's pause process, for nodes that cannot pull registry.k8s.io/pause: it holds the
// pod's namespaces open, reaps the zombies it inherits as PID 1 (with a shared PID namespace), and
// exits 0 when the runtime stops the sandbox. Built static (CGO_ENABLED=0) by scripts/image/pause.ts.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	// From here on a stop signal means exit 0; before, Go's default would kill the process with it.
	os.Stderr.WriteString("pause: waiting for SIGTERM or SIGINT\n")
	for s := range signals {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
