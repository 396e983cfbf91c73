// Package ssh serves the hosting console over SSH: the same console as the
// local one for PTY sessions, enrollment of unknown keys, the SFTP and scp
// drop folder, and script commands.
package ssh

import (
	_ "charm.land/wish/v2"
	_ "charm.land/wish/v2/bubbletea"
	_ "charm.land/wish/v2/scp"
	_ "github.com/charmbracelet/x/vt"
	_ "github.com/pkg/sftp"
)
