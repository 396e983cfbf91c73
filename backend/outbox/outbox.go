// Package outbox delivers the messages the hosting provider sends to schools
// (credentials by e-mail and SMS). The default delivery writes one file per
// message into a folder of the data directory, where an operator or a relay
// picks them up; an SMTP delivery can sit behind the same interface.
package outbox

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Channel is how a message travels.
type Channel string

const (
	// Email is an e-mail message.
	Email Channel = "email"
	// SMS is a text message to a mobile phone.
	SMS Channel = "sms"
)

// Message is one message to deliver.
type Message struct {
	Channel Channel
	To      string
	Subject string // e-mail only
	Body    string
}

// Sender delivers messages.
type Sender interface {
	Send(m Message) error
}

// Folder writes each message as a file: NNNN-<time>-<channel>.txt, created
// with a temporary name and renamed, readable by the owner only since an SMS
// may carry a password.
type Folder struct {
	Dir string
	Now func() time.Time

	mu sync.Mutex
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9@._+-]`)

// Send writes the message file.
func (f *Folder) Send(m Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	now := time.Now()
	if f.Now != nil {
		now = f.Now()
	}
	to := unsafeChars.ReplaceAllString(m.To, "_")
	var b strings.Builder
	fmt.Fprintf(&b, "Channel: %s\nTo: %s\nDate: %s\n", m.Channel, m.To, now.UTC().Format(time.RFC1123Z))
	if m.Subject != "" {
		fmt.Fprintf(&b, "Subject: %s\n", m.Subject)
	}
	b.WriteString("\n" + m.Body)
	if !strings.HasSuffix(m.Body, "\n") {
		b.WriteString("\n")
	}
	tmp, err := os.CreateTemp(f.Dir, ".msg-*")
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(b.String()); err != nil {
		tmp.Close()
		return fmt.Errorf("outbox: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("outbox: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	for i := 1; ; i++ {
		name := filepath.Join(f.Dir, fmt.Sprintf("%s-%03d-%s-%s.txt", now.UTC().Format("20060102T150405Z"), i, m.Channel, to))
		if _, err := os.Stat(name); err == nil {
			continue
		}
		if err := os.Rename(tmp.Name(), name); err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		return nil
	}
}

// Messages reads back the messages of the folder, oldest first; the demo and
// tests use it the way a person reads their mail.
func (f *Folder) Messages() ([]string, error) {
	entries, err := os.ReadDir(f.Dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		body, err := os.ReadFile(filepath.Join(f.Dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, string(body))
	}
	return out, nil
}
