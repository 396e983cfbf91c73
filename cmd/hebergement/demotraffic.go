package main

import (
	"context"
	"net"
	"path/filepath"

	"charm.land/log/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/app"
	"github.com/hebergement/console/backend/demo"
)

// seedDemo fills a fresh data folder for --demo before the process opens
// it: the establishment's past year, lived on a clock of its own up to now
// (its bases, services, changes, backups and archives), and its files.
func seedDemo(ctx context.Context, g *globals, dir string) (demo.Result, error) {
	c, err := g.clock()
	if err != nil {
		return demo.Result{}, err
	}
	return demo.Seed(ctx, demo.Config{DataDir: dir, FilesDir: filepath.Join(dir, "fichiers-hebergement"), Now: c.Now()})
}

// seedDemoHistory adds the 24 hours of past connections for the chart, on
// the process's back end.
func seedDemoHistory(ctx context.Context, b *backend.Backend, res demo.Result) error {
	return demo.SeedHistory(ctx, b, res.Establishment)
}

// startDemoTraffic runs the demo's simulated clients against the stand-in
// a runs, once it listens, and returns what stops them; nil when this
// process runs no stand-in (its address taken, --http empty, or another
// process on the data folder runs it). The clients use the bound address,
// not the public URL, which may be a proxy's.
func startDemoTraffic(ctx context.Context, b *backend.Backend, a *app.App, number string, lg *log.Logger) (func(), error) {
	addr := a.Addrs().HTTP
	if addr == "" {
		return nil, nil
	}
	// Bound to every interface (--http :8080, which Go listens on in both
	// address families): the clients come by the IPv4 loopback.
	if host, port, err := net.SplitHostPort(addr); err == nil {
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			addr = net.JoinHostPort("127.0.0.1", port)
		}
	}
	tr, err := demo.StartTraffic(ctx, demo.TrafficConfig{BaseURL: "http://" + addr, Number: number, Clock: b.Clock(), Logger: lg})
	if err != nil {
		return nil, err
	}
	return tr.Stop, nil
}
