// Command hebergement is the hosting console of a school's hosted PRONOTE
// server: the local console, the operator commands and the stand-in of the
// local server's "Générer les fichiers pour l'hébergement".
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"charm.land/log/v2"
	"github.com/spf13/cobra"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

// globals are the flags every command shares.
type globals struct {
	data string
	// db is --db: a PostgreSQL DSN, or "" for the SQLite file of the data
	// folder.
	db  string
	now string
	// logFormat is serve's --log-format: text or json.
	logFormat string
	// http is the local console's --http: the stand-in's address.
	http string
	// leaseTTL is serve's --lease: how long the leases of several
	// instances last (0: the back end's default).
	leaseTTL time.Duration
}

func newRoot() *cobra.Command {
	g := &globals{}
	var demoMode bool
	root := &cobra.Command{
		Use:   "hebergement",
		Short: "Hosting console of a school's hosted PRONOTE server",
		Long: "hebergement opens the hosting console in this terminal (log in with the hosting number and password).\n" +
			"With --demo it runs on a fresh demo data set with the login prefilled.",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if demoMode {
				return runDemo(cmd.Context(), g)
			}
			return runConsole(cmd.Context(), g)
		},
	}
	root.PersistentFlags().StringVar(&g.data, "data", os.Getenv("HEBERGEMENT_DATA"), "data folder (env HEBERGEMENT_DATA; default: the OS's application data folder)")
	// HEBERGEMENT_DB is read after parsing rather than made the flag's
	// default: a default is printed by --help, and the DSN may hold a
	// password.
	root.PersistentPreRun = func(cmd *cobra.Command, _ []string) {
		if !cmd.Flags().Changed("db") { // --db "" still means SQLite
			g.db = os.Getenv("HEBERGEMENT_DB")
		}
	}
	root.PersistentFlags().StringVar(&g.db, "db", "", "PostgreSQL database, e.g. postgres://user@host:5432/hebergement, shared by several instances (env HEBERGEMENT_DB; default: SQLite in the data folder, which keeps the files in both cases)")
	root.PersistentFlags().StringVar(&g.now, "now", os.Getenv("HEBERGEMENT_NOW"), "start a simulated clock at this instant, e.g. 2026-08-21T09:00:00+02:00 (env HEBERGEMENT_NOW)")
	root.Flags().BoolVar(&demoMode, "demo", false, "run on a fresh demo data set (a temporary folder unless --data names an empty one)")
	root.Flags().StringVar(&g.http, "http", "127.0.0.1:8080", "address of the PRONOTE.net stand-in the console runs when it is alone on its data folder; empty: none")
	root.AddCommand(newAdmin(g), newGenerate(), newServe(g))
	return root
}

// clock returns the back end's clock from --now.
func (g *globals) clock() (clock.Clock, error) {
	if g.now == "" {
		return clock.Real{}, nil
	}
	t, err := clock.Parse(g.now)
	if err != nil {
		return nil, fmt.Errorf("--now: %q is not a date (use 2026-08-21, 2026-08-21T09:00 in Paris, or 2026-08-21T09:00+02:00)", g.now)
	}
	return clock.NewSimulated(t), nil
}

// dataDir is --data, else HEBERGEMENT_DATA, else the OS's usual place for
// application data.
func (g *globals) dataDir() (string, error) {
	if g.data != "" {
		return g.data, nil
	}
	return defaultDataDir()
}

func defaultDataDir() (string, error) {
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "hebergement"), nil
		}
	case "darwin":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "Library", "Application Support", "hebergement"), nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "hebergement"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", errors.New("no data folder: give --data or HEBERGEMENT_DATA")
	}
	return filepath.Join(home, ".local", "share", "hebergement"), nil
}

// withBackend runs fn on the back end of the data folder and closes it.
func (g *globals) withBackend(cmd *cobra.Command, fn func(*backend.Backend) error) error {
	b, err := g.open(cmd.Context(), "")
	if err != nil {
		return err
	}
	defer b.Close()
	return fn(b)
}

// checkLogFormat refuses a --log-format other than text or json.
func (g *globals) checkLogFormat() error {
	switch g.logFormat {
	case "", "text", "json":
		return nil
	}
	return fmt.Errorf("--log-format: %q is neither text nor json", g.logFormat)
}

// logger is a logger in the --log-format, with a timestamp and prefix.
func (g *globals) logger(w io.Writer, prefix string) *log.Logger {
	formatter := log.TextFormatter
	if g.logFormat == "json" {
		formatter = log.JSONFormatter
	}
	opts := log.Options{Prefix: prefix, ReportTimestamp: true, Formatter: formatter}
	if formatter == log.JSONFormatter {
		opts.TimeFormat = time.RFC3339Nano
	}
	return log.NewWithOptions(w, opts)
}

// open builds the one back end of this process.
func (g *globals) open(ctx context.Context, dir string) (*backend.Backend, error) {
	c, err := g.clock()
	if err != nil {
		return nil, err
	}
	if dir == "" {
		if dir, err = g.dataDir(); err != nil {
			return nil, err
		}
	}
	logger := g.logger(os.Stderr, "backend")
	logger.SetLevel(log.WarnLevel)
	return backend.Open(ctx, backend.Options{DataDir: dir, DB: g.db, Clock: c, Logger: logger, LeaseTTL: g.leaseTTL})
}
