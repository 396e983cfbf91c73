package scheduler

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// StateFile keeps, in the data folder, when each job last ran, so that a
// restart catches up on what was missed and does not run again what was not.
// Only the holder of the lease writes it.
const StateFile = "scheduler.json"

type stateDoc struct {
	// Jobs maps a job's name to the instant its last successful run started.
	Jobs map[string]time.Time `json:"jobs"`
}

func readState(dir string) (map[string]time.Time, error) {
	data, err := os.ReadFile(filepath.Join(dir, StateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]time.Time{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("scheduler state: %w", err)
	}
	var doc stateDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("scheduler state %s: %w", filepath.Join(dir, StateFile), err)
	}
	if doc.Jobs == nil {
		doc.Jobs = map[string]time.Time{}
	}
	return doc.Jobs, nil
}

// writeState replaces the state file atomically: a crash leaves the old one
// or the new one, never a torn one.
func writeState(dir string, jobs map[string]time.Time) error {
	data, err := json.MarshalIndent(stateDoc{Jobs: jobs}, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, StateFile+".*.tmp")
	if err != nil {
		return fmt.Errorf("scheduler state: %w", err)
	}
	defer os.Remove(tmp.Name()) // nothing once renamed
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("scheduler state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("scheduler state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("scheduler state: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, StateFile)); err != nil {
		return fmt.Errorf("scheduler state: %w", err)
	}
	return nil
}
