// Package ssh serves the hosting console over SSH: the same console as the
// local one for PTY sessions, enrollment of unknown keys, the SFTP and scp
// drop folder, and script commands.
package ssh
