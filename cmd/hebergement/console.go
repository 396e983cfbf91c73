package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/app"
	"github.com/hebergement/console/tui"
)

// runConsole opens the local console on the data folder: the login screen,
// then the console as SPR.
func runConsole(ctx context.Context, g *globals) error {
	dir, err := g.dataDir()
	if err != nil {
		return err
	}
	b, err := g.open(ctx, dir)
	if err != nil {
		return err
	}
	defer b.Close()
	services, line, err := startServices(ctx, g, b, dir)
	if err != nil {
		return err
	}
	defer stopServices(services)
	cwd, _ := os.Getwd()
	return runProgram(ctx, b, tui.Options{Addr: "local", StartDir: cwd, Now: b.Clock().Now, Services: line,
		PublicURL: publicURL(services, dir)})
}

// startServices runs, beside the local console, the stand-in and the
// scheduler when this process is alone on its data folder (it got the
// scheduler lock), so that the console's actions have their effects; without
// the stand-in, and saying so, when its address is taken. Another process
// holding the lock (a serve) runs them already. The line says, in French,
// what runs.
func startServices(ctx context.Context, g *globals, b *backend.Backend, dir string) (*app.App, string, error) {
	a, err := app.New(b, app.Config{DataDir: dir, HTTP: g.http, HTTPOptional: true, LeaseRequired: true, Jobs: jobs(b)})
	if err != nil {
		return nil, "", err
	}
	if err := a.Start(ctx); err != nil {
		return nil, "", err
	}
	return a, servicesLine(a, g.http), nil
}

// publicURL is the stand-in's base URL for the console: the one this process
// runs, else the one the process holding the data folder's scheduler lock
// (a serve) records there, else "" (none runs).
func publicURL(a *app.App, dir string) string {
	if u := a.PublicURL(); u != "" || a.Leader() {
		return u
	}
	return app.StandInURL(dir)
}

// servicesLine is what the console says of what runs beside it.
func servicesLine(a *app.App, httpAddr string) string {
	if !a.Leader() {
		return "Serveur web et planificateur : un autre processus"
	}
	switch {
	case a.Addrs().HTTP != "":
		return "Serveur web http://" + a.Addrs().HTTP + " · planificateur actif"
	case a.HTTPUnavailable() != nil:
		return "Serveur web arrêté (adresse " + httpAddr + " occupée) · planificateur actif"
	}
	return "planificateur actif"
}

// stopServices stops what startServices started; a running job may finish
// within the grace.
func stopServices(a *app.App) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a.Shutdown(ctx) //nolint:errcheck // the console has ended: nothing to tell
}

// runDemo seeds a fresh demo data set (with 24 hours of past connections)
// and opens the console on it with the login prefilled, while simulated
// clients connect through the stand-in. Without --data the set lives in a
// temporary folder removed at exit, so every run starts fresh.
func runDemo(ctx context.Context, g *globals) error {
	if g.db != "" {
		// The demo seeds a data folder of its own, with its SQLite file.
		return errors.New("--demo runs on its own SQLite data: leave out --db and HEBERGEMENT_DB")
	}
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
	res, err := seedDemo(ctx, g, dir)
	if err != nil {
		return err
	}
	b, err := g.open(ctx, dir)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := seedDemoHistory(ctx, b, res); err != nil {
		return err
	}
	services, line, err := startServices(ctx, g, b, dir)
	if err != nil {
		return err
	}
	defer stopServices(services)
	// Simulated clients of the demo establishment, when this process runs
	// the stand-in; they stop before the services do.
	stopTraffic, err := startDemoTraffic(ctx, b, services, res.Establishment.HostingNumber, nil)
	if err != nil {
		return err
	}
	if stopTraffic != nil {
		defer stopTraffic()
		line += " · trafic simulé"
	}
	opts := tui.Options{Addr: "local", StartDir: res.FilesDir, Now: b.Clock().Now, Services: line,
		PublicURL: publicURL(services, dir)}
	opts.Prefill.HostingNumber = res.Establishment.HostingNumber
	opts.Prefill.Password = res.Password
	return runProgram(ctx, b, opts)
}

func runProgram(ctx context.Context, b *backend.Backend, opts tui.Options) error {
	m := tui.New(b, opts)
	p := tea.NewProgram(m, tea.WithContext(ctx))
	_, err := p.Run()
	// Interrupted from outside (SIGTERM), the console could not tell its
	// upload to stop: cancel it and wait before the back end closes.
	tui.Wait(m)
	if err != nil && ctx.Err() != nil {
		return nil // interrupted: a normal way out
	}
	return err
}
