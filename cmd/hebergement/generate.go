package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/hostfile"
)

func newGenerate() *cobra.Command {
	var opts hostfile.GenerateOptions
	var number, year, size, grid, out string
	cmd := &cobra.Command{
		Use:   "generate",
		Short: `Write the hosting files the old local server's "Générer les fichiers pour l'hébergement" writes`,
		Long: "generate writes NAME.HNOT (the base), NAME.HCOURRIERS, NAME.HDOCJOINTS and NAME.HPHOTOS for a hosting\n" +
			"number, as the local PRONOTE server does before a school moves to hosting.",
		Example: "  hebergement generate --number 482913570264 --name LYCEE-2026 --year 2026-2027 \\\n" +
			"      --students 1200 --teachers 95 --classes 42 --size 200MB --out ./fichiers",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n, ok := backend.NormalizeHostingNumber(number)
			if !ok {
				return fmt.Errorf("--number: %q is not a hosting number (12 digits)", number)
			}
			opts.HostingNumber = n
			y, err := hostfile.ParseSchoolYear(year)
			if err != nil {
				return fmt.Errorf("--year: %w", err)
			}
			opts.Year = y
			if opts.Size, err = hostfile.ParseSize(size); err != nil {
				return fmt.Errorf("--size: %w", err)
			}
			if grid != "" {
				if opts.Grid, err = hostfile.ParseGrid(grid); err != nil {
					return fmt.Errorf("--grid: %w", err)
				}
			}
			if opts.Students < 0 || opts.Teachers < 0 || opts.Classes < 0 {
				return fmt.Errorf("--students, --teachers and --classes cannot be negative")
			}
			if opts.Establishment == "" {
				opts.Establishment = opts.Name
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			paths, err := hostfile.Generate(out, opts)
			if err != nil {
				return err
			}
			for _, p := range paths {
				fmt.Fprintln(cmd.OutOrStdout(), p)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&number, "number", "", "hosting number the files are generated for (required)")
	f.StringVar(&opts.Name, "name", "", "file name without extension, e.g. LYCEE-2026 (required)")
	f.StringVar(&opts.Establishment, "establishment", "", "establishment name written in the files (default: --name)")
	f.StringVar(&year, "year", "", "school year, e.g. 2026-2027 (required)")
	f.IntVar(&opts.Students, "students", 1200, "number of students")
	f.IntVar(&opts.Teachers, "teachers", 95, "number of teachers")
	f.IntVar(&opts.Classes, "classes", 42, "number of classes")
	f.StringVar(&grid, "grid", "", "timetable grid, e.g. 08:00-18:00/60/1,2,3,4,5 (default: that one)")
	f.StringVar(&size, "size", "200MB", "size of the .HNOT (KB, MB, GB)")
	f.StringVar(&out, "out", ".", "folder to write the files into")
	for _, name := range []string{"number", "name", "year"} {
		cmd.MarkFlagRequired(name) //nolint:errcheck
	}
	return cmd
}
