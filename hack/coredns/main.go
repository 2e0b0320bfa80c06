// CoreDNS with only the plugins the conformance cluster's DNS uses (hack/build-conformance.sh
// builds it in a wrapper module). Upstream's main imports every plugin, clouds' included; this one
// compiles in a fraction of the time and has nothing that could forward a query off the machine.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/ready"
)

// The order in which a query passes the plugins: upstream's plugin.cfg order, restricted to ours.
func init() {
	dnsserver.Directives = []string{"ready", "health", "errors", "cache", "kubernetes"}
}

func main() {
	coremain.Run()
}
