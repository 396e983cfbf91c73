package main

import (
	"context"
	"fmt"
	"os"

	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/demo"
	"github.com/hebergement/console/tui"
)

// runConsole opens the local console on the data folder: the login screen,
// then the console as SPR.
func runConsole(ctx context.Context, g *globals) error {
	b, err := g.open(ctx, "")
	if err != nil {
		return err
	}
	defer b.Close()
	cwd, _ := os.Getwd()
	return runProgram(ctx, b, tui.Options{Addr: "local", StartDir: cwd, Now: b.Clock().Now})
}

// runDemo seeds a fresh demo data set and opens the console on it with the
// login prefilled. Without --data the set lives in a temporary folder removed
// at exit, so every run starts fresh.
func runDemo(ctx context.Context, g *globals) error {
	dir := g.data
	if dir == "" {
		tmp, err := os.MkdirTemp("", "hebergement-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("--demo needs a new or empty data folder, and %s is not empty", dir)
	}
	b, err := g.open(ctx, dir)
	if err != nil {
		return err
	}
	defer b.Close()
	res, err := demo.Seed(ctx, b, dir)
	if err != nil {
		return err
	}
	opts := tui.Options{Addr: "local", StartDir: res.FilesDir, Now: b.Clock().Now}
	opts.Prefill.HostingNumber = res.Establishment.HostingNumber
	opts.Prefill.Password = res.Password
	return runProgram(ctx, b, opts)
}

func runProgram(ctx context.Context, b *backend.Backend, opts tui.Options) error {
	p := tea.NewProgram(tui.New(b, opts), tea.WithContext(ctx))
	_, err := p.Run()
	if err != nil && ctx.Err() != nil {
		return nil // interrupted: a normal way out
	}
	return err
}
