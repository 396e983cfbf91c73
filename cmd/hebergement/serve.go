package main

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hebergement/console/backend/app"
	"github.com/hebergement/console/backend/demo"
	"github.com/hebergement/console/backend/standin"
	hssh "github.com/hebergement/console/ssh"
)

func newServe(g *globals) *cobra.Command {
	var cfg hssh.Config
	var demoMode bool
	var httpAddr, metricsAddr, publicURL, eduConnectURL, hostKey, advertise string
	var clientRate float64
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the console over SSH, the PRONOTE.net stand-in over HTTP, the scheduler and the metrics",
		Long: "serve runs what a hosting instance runs, started and stopped together: the SSH server (the console, keys only,\n" +
			"with sftp/scp and script commands), the HTTP stand-in of the hosted servers (PRONOTE.net), the scheduler (in one\n" +
			"process per data folder) and the Prometheus metrics. It logs one health line per component at start and stops\n" +
			"gracefully on SIGTERM or ctrl+c.",
		Example: "  hebergement serve --listen 127.0.0.1:2222 --http 127.0.0.1:8080 --data /var/lib/hebergement\n" +
			"  hebergement serve --metrics '' --log-format json\n" +
			"  hebergement serve --demo",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := g.checkLogFormat(); err != nil {
				return err
			}
			if err := checkPublicURL(publicURL); err != nil {
				return err
			}
			if err := checkAdvertise(advertise); err != nil {
				return err
			}
			if g.leaseTTL != 0 && (g.leaseTTL < 3*time.Second || g.leaseTTL > 10*time.Minute) {
				return fmt.Errorf("--lease: %v must be between 3s and 10m", g.leaseTTL)
			}
			if _, err := standin.CheckEduConnectURL(eduConnectURL); err != nil {
				return fmt.Errorf("--educonnect-url: %w; give a URL such as %s (http or https, a host, no user, query or fragment)",
					err, standin.DefaultEduConnectURL)
			}
			if clientRate < 0 || math.IsNaN(clientRate) || math.IsInf(clientRate, 0) {
				return fmt.Errorf("--http-client-rate: %v must be a number of requests per second, 0 for no limit", clientRate)
			}
			ctx := cmd.Context()
			dir := g.data
			var err error
			if demoMode && dir == "" {
				if dir, err = os.MkdirTemp("", "hebergement-demo-"); err != nil {
					return err
				}
				defer os.RemoveAll(dir)
			} else if dir, err = g.dataDir(); err != nil {
				return err
			}
			if demoMode {
				if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 && g.data != "" {
					return fmt.Errorf("--demo needs a new or empty data folder, and %s is not empty", dir)
				}
			}
			var seeded *demo.Result
			if demoMode {
				res, err := seedDemo(ctx, g, dir)
				if err != nil {
					return err
				}
				seeded = &res
			}
			b, err := g.open(ctx, dir)
			if err != nil {
				return err
			}
			defer b.Close()
			if seeded != nil {
				if err := seedDemoHistory(ctx, b, *seeded); err != nil {
					return err
				}
			}
			if hostKey != "" {
				cfg.HostKeyPath, cfg.HostKeyProvided = hostKey, true
			} else {
				cfg.HostKeyPath = filepath.Join(dir, "ssh_host_ed25519_key")
			}
			lg := g.logger(cmd.ErrOrStderr(), "")
			a, err := app.New(b, app.Config{DataDir: dir, SSH: &cfg, HTTP: httpAddr, PublicURL: publicURL, ClientRate: standInRate(clientRate),
				EduConnectURL: eduConnectURL, Metrics: metricsAddr, Jobs: jobs(b), Advertise: advertise,
				Logger: lg})
			if err != nil {
				return err
			}
			if err := a.Start(ctx); err != nil {
				return err
			}
			traffic := false
			if seeded != nil {
				// The demo's simulated clients, through the stand-in's
				// real address; they stop with ctx, or when a component
				// fails and Wait returns.
				stop, err := startDemoTraffic(ctx, b, a, seeded.Establishment.HostingNumber, lg.WithPrefix("demo"))
				if err != nil {
					a.Shutdown(context.WithoutCancel(ctx)) //nolint:errcheck // the start failed: its error is the one to tell
					return err
				}
				if stop != nil {
					defer stop()
					traffic = true
				}
			}
			printServe(cmd, a, dir, seeded, traffic)
			// Wait returns once every component has stopped: nil after
			// SIGTERM or ctrl+c, a normal way out.
			return a.Wait()
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Listen, "listen", "127.0.0.1:2222", "SSH address to listen on")
	f.StringVar(&hostKey, "host-key", "", "the SSH host key the operators provide, the same on every instance (an unencrypted OpenSSH private key, mode 600); default: one created once in the data folder")
	f.StringVar(&httpAddr, "http", "127.0.0.1:8080", "address of the HTTP stand-in of the hosted servers (PRONOTE.net); empty: none")
	f.StringVar(&publicURL, "public-url", "", "base URL of the stand-in as users reach it, shown in the consoles (default: http://ADDRESS of --http)")
	f.StringVar(&advertise, "advertise", "", "with --db, the stand-in's base URL as the other instances reach it (default: http://ADDRESS of --http, the host name for 0.0.0.0)")
	f.DurationVar(&g.leaseTTL, "lease", 0, "with --db, how long an instance's leases last unless renewed (the scheduler's, each hosted server's): another instance takes them over within that and a third more (default 30s; 3s to 10m)")
	f.StringVar(&eduConnectURL, "educonnect-url", standin.DefaultEduConnectURL,
		"where the stand-in redirects the Espaces of establishments that delegate authentication to ÉduConnect (?service= added; http or https)")
	f.Float64Var(&clientRate, "http-client-rate", standin.DefaultClientRate,
		"connections and changes one client address may send to the stand-in per second, in bursts of ten times as many; 0: no limit (behind a proxy, limit there)")
	f.StringVar(&metricsAddr, "metrics", "127.0.0.1:9100", "address of the Prometheus metrics listener (/metrics); empty: none")
	f.StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	f.BoolVar(&demoMode, "demo", false, "seed a demo establishment (a temporary data folder unless --data names an empty one)")
	f.BoolVar(&cfg.CellRenderer, "cell-renderer", false, "draw the consoles with Bubble Tea's cell renderer rather than line by line (about 0.4 MB more per console)")
	f.DurationVar(&cfg.IdleTimeout, "idle-timeout", 30*time.Minute, "close consoles nobody typed in for that long (announced before)")
	f.DurationVar(&cfg.LoginGrace, "login-grace", 30*time.Second, "time allowed for the handshake and authentication, and for a connection without a session")
	f.IntVar(&cfg.MaxAuthTries, "max-auth-tries", 6, "authentication attempts per connection")
	f.IntVar(&cfg.MaxSessionsPerKey, "max-sessions-per-key", 10, "sessions open at once with one key")
	f.IntVar(&cfg.ConnRate, "conn-rate", 120, "new connections one client address may open per minute")
	f.IntVar(&cfg.ConnBurst, "conn-burst", 40, "new connections one client address may open at once")
	f.IntVar(&cfg.MaxUnauthenticated, "max-unauthenticated", 200, "connections still in their handshake, overall")
	f.IntVar(&cfg.MaxUnauthenticatedPerAddr, "max-unauthenticated-per-addr", 20, "connections still in their handshake, per client address")
	f.IntVar(&cfg.MaxEnrolling, "max-enrolling", 30, "connections of keys not enrolled yet (enrollment screen), overall")
	f.IntVar(&cfg.MaxEnrollingPerAddr, "max-enrolling-per-addr", 10, "connections of keys not enrolled yet, per client address")
	f.DurationVar(&cfg.EnrollTimeout, "enroll-timeout", 10*time.Minute, "time the enrollment screen waits for the credentials")
	f.DurationVar(&cfg.ShutdownGrace, "shutdown-grace", 30*time.Second, "at a stop, time left to uploads, requests and the running job")
	return cmd
}

// printServe tells the operator where everything listens and, for a demo,
// how to connect and whether simulated clients run.
func printServe(cmd *cobra.Command, a *app.App, dir string, seeded *demo.Result, traffic bool) {
	out := cmd.OutOrStdout()
	addrs := a.Addrs()
	fmt.Fprintf(out, "Hosting console listening on %s (data: %s)\nHost key fingerprint: %s\n", addrs.SSH, dir, a.SSHServer().Fingerprint())
	if addrs.HTTP != "" {
		fmt.Fprintf(out, "PRONOTE.net stand-in: http://%s/HOSTING-NUMBER/ (health: http://%s/healthz)\n", addrs.HTTP, addrs.HTTP)
	}
	if addrs.Metrics != "" {
		fmt.Fprintf(out, "Metrics: http://%s/metrics\n", addrs.Metrics)
	}
	if seeded == nil {
		return
	}
	host, port, err := net.SplitHostPort(addrs.SSH)
	if err != nil {
		host, port = addrs.SSH, "22"
	}
	number := seeded.Establishment.HostingNumber
	fmt.Fprintf(out, "\nDemo establishment: %s\n  hosting number %s\n  password       %s  (demo only: normally sent by SMS)\n",
		seeded.Establishment.Name, number, seeded.Password)
	fmt.Fprintf(out, "Connect, and enroll your key on the first connection:\n  ssh -t -p %s %s@%s\n", port, number, host)
	fmt.Fprintf(out, "Load a file:\n  sftp -P %s %s@%s   then: put %s/*.HNOT depot/\n", port, number, host, seeded.FilesDir)
	if addrs.HTTP != "" {
		fmt.Fprintf(out, "Its PRONOTE.net:\n  curl http://%s/%s/\n", addrs.HTTP, number)
	}
	if traffic {
		fmt.Fprintf(out, "Simulated traffic runs: teachers, staff, parents and students connect, write changes and leave\n"+
			"along a school day (Paris time), through the stand-in; 24 hours of history are in the chart.\n"+
			"See them in the console's Suivi des connexions, or connect too:\n"+
			"  curl -X POST -d '{\"user\": \"M. DUPONT\", \"group\": \"Administration\", \"mode\": \"administratif\"}' http://%s/%s/connexions\n",
			addrs.HTTP, number)
	} else {
		fmt.Fprintln(out, "No simulated traffic: this process runs no stand-in (--http is empty).")
	}
}

// checkPublicURL refuses a --public-url that consoles could not show as a
// link: it must be http(s) with a host, and nothing after the path (no user
// info, query or fragment, no control characters).
func checkPublicURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	bad := err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
	if bad {
		return fmt.Errorf("--public-url: %q is not a base URL such as https://pronote.example.org (http or https, a host, no user, query or fragment)", s)
	}
	return nil
}

// standInRate is --http-client-rate as the stand-in reads it: 0 (no limit)
// becomes its negative "none", since its 0 is the default.
func standInRate(perSecond float64) float64 {
	if perSecond <= 0 {
		return -1
	}
	return perSecond
}

// checkAdvertise checks --advertise: empty, or an http(s) URL with a host
// and nothing after its path.
func checkAdvertise(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("--advertise: %q is not a base URL such as http://10.0.0.5:8080 (http or https, a host, no user, query or fragment)", s)
	}
	return nil
}
