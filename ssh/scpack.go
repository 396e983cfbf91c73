package ssh

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"charm.land/ssh"
)

// ackingSession fixes wish's scp source side (`scp -f`, a download): wish
// writes the whole stream without reading the client's one-byte
// acknowledgements, so the session may end while OpenSSH still writes them,
// and scp reports a lost connection. This wrapper reads the acknowledgement
// the protocol expects before the first line, after every header line and
// after every file's content.
type ackingSession struct {
	ssh.Session
	started bool
	line    []byte // the header line being written
	content int64  // bytes of file content still to pass, trailing \0 included
}

func (a *ackingSession) readAck() error {
	var b [1]byte
	if _, err := io.ReadFull(a.Session, b[:]); err != nil {
		return err
	}
	if b[0] == 0 {
		return nil
	}
	msg, _ := readLine(a.Session)
	return fmt.Errorf("scp client refused: %s", strings.TrimSpace(msg))
}

func readLine(r io.Reader) (string, error) {
	var out []byte
	var b [1]byte
	for len(out) < 1024 {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return string(out), err
		}
		if b[0] == '\n' {
			break
		}
		out = append(out, b[0])
	}
	return string(out), nil
}

func (a *ackingSession) Write(p []byte) (int, error) {
	if !a.started { // the sink speaks first: a \0 when it is ready
		a.started = true
		if err := a.readAck(); err != nil {
			return 0, err
		}
	}
	written := 0
	for len(p) > 0 {
		if a.content > 0 {
			k := min(int64(len(p)), a.content)
			n, err := a.Session.Write(p[:k])
			written += n
			if err != nil {
				return written, err
			}
			a.content -= k
			p = p[k:]
			if a.content == 0 {
				if err := a.readAck(); err != nil {
					return written, err
				}
			}
			continue
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			a.line = append(a.line, p...)
			n, err := a.Session.Write(p)
			return written + n, err
		}
		a.line = append(a.line, p[:i+1]...)
		n, err := a.Session.Write(p[:i+1])
		written += n
		if err != nil {
			return written, err
		}
		p = p[i+1:]
		line := string(a.line)
		a.line = a.line[:0]
		if strings.HasPrefix(line, "C") { // C0644 SIZE NAME: SIZE bytes and a \0 follow
			if f := strings.Fields(line); len(f) >= 3 {
				if size, err := strconv.ParseInt(f[1], 10, 64); err == nil && size >= 0 {
					a.content = size + 1
				}
			}
		}
		if err := a.readAck(); err != nil {
			return written, err
		}
	}
	return written, nil
}
