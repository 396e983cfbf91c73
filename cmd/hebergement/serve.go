package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"charm.land/log/v2"
	"github.com/spf13/cobra"

	"github.com/hebergement/console/backend/demo"
	hssh "github.com/hebergement/console/ssh"
)

func newServe(g *globals) *cobra.Command {
	var cfg hssh.Config
	var demoMode bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the console over SSH (keys only), with sftp/scp and script commands",
		Example: "  hebergement serve --listen 127.0.0.1:2222 --data /var/lib/hebergement\n" +
			"  hebergement serve --demo",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
			b, err := g.open(ctx, dir)
			if err != nil {
				return err
			}
			defer b.Close()
			logger := log.NewWithOptions(os.Stderr, log.Options{Prefix: "ssh", ReportTimestamp: true})
			cfg.HostKeyPath = filepath.Join(dir, "ssh_host_ed25519_key")
			cfg.Logger = logger
			srv, err := hssh.New(b, cfg)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Hosting console listening on %s (data: %s)\nHost key fingerprint: %s\n", cfg.Listen, dir, srv.Fingerprint())
			if demoMode {
				res, err := demo.Seed(ctx, b, dir)
				if err != nil {
					return err
				}
				host, port := splitHostPort(cfg.Listen)
				fmt.Fprintf(out, "\nDemo establishment: %s\n  hosting number %s\n  password       %s  (demo only: normally sent by SMS)\n",
					res.Establishment.Name, res.Establishment.HostingNumber, res.Password)
				fmt.Fprintf(out, "Connect, and enroll your key on the first connection:\n  ssh -t -p %s %s@%s\n", port, res.Establishment.HostingNumber, host)
				fmt.Fprintf(out, "Load a file:\n  sftp -P %s %s@%s   then: put %s/*.HNOT depot/\n", port, res.Establishment.HostingNumber, host, res.FilesDir)
			}
			errc := make(chan error, 1)
			go func() { errc <- srv.ListenAndServe() }()
			select {
			case err := <-errc:
				return err
			case <-ctx.Done():
			}
			logger.Info("shutting down: sessions are told, uploads in flight may finish")
			sctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.Canceled) {
				return err
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Listen, "listen", "127.0.0.1:2222", "address to listen on")
	f.BoolVar(&demoMode, "demo", false, "seed a demo establishment (a temporary data folder unless --data names an empty one)")
	f.DurationVar(&cfg.IdleTimeout, "idle-timeout", 30*time.Minute, "close consoles nobody typed in for that long (announced before)")
	f.DurationVar(&cfg.LoginGrace, "login-grace", 30*time.Second, "time allowed for the handshake and authentication")
	f.IntVar(&cfg.MaxSessionsPerKey, "max-sessions-per-key", 10, "sessions open at once with one key")
	f.IntVar(&cfg.ConnRate, "conn-rate", 120, "new connections one client address may open per minute")
	f.IntVar(&cfg.ConnBurst, "conn-burst", 40, "new connections one client address may open at once")
	f.IntVar(&cfg.MaxUnauthenticated, "max-unauthenticated", 200, "connections still in their handshake, overall")
	f.IntVar(&cfg.MaxUnauthenticatedPerAddr, "max-unauthenticated-per-addr", 20, "connections still in their handshake, per client address")
	f.IntVar(&cfg.MaxEnrolling, "max-enrolling", 30, "connections of keys not enrolled yet (enrollment screen), overall")
	f.IntVar(&cfg.MaxEnrollingPerAddr, "max-enrolling-per-addr", 10, "connections of keys not enrolled yet, per client address")
	f.DurationVar(&cfg.EnrollTimeout, "enroll-timeout", 10*time.Minute, "time the enrollment screen waits for the credentials")
	return cmd
}

func splitHostPort(addr string) (string, string) {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			return addr[:i], addr[i+1:]
		}
	}
	return addr, "22"
}
