package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeDemoTraffic: serve --demo says that simulated traffic runs, and
// it does, through the stand-in (its metrics count the connections and
// heartbeats, admitted and refused); it stops with serve.
func TestServeDemoTraffic(t *testing.T) {
	// 10 h on a school day: the busiest hour, the simulated users arrive
	// within the first seconds.
	out, _, cancel, done, result := serveInBackground(t, "--data", t.TempDir(), "--now", "2026-10-06T10:00:00+02:00",
		"serve", "--demo", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--metrics", "127.0.0.1:0")
	waitOutput(t, out, regexp.MustCompile(`Simulated traffic runs`), done, result)
	metrics := regexp.MustCompile(`Metrics: (http://\S+/metrics)`).FindStringSubmatch(out.String())
	if metrics == nil {
		t.Fatalf("no metrics URL in\n%s", out)
	}
	admitted := regexp.MustCompile(`hebergement_http_requests_total\{code="201",route="POST /\{number\}/connexions"\} ([0-9]+)`)
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body := httpGet(t, metrics[1])
		if m := admitted.FindStringSubmatch(body); code == 200 && m != nil && m[1] != "0" && m[1] != "1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no simulated connections in the stand-in's metrics:\n%s", grepLines(body, "hebergement_http_requests_total"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	<-done
	if *result != nil {
		t.Fatalf("serve after the stop: %v", *result)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}

// TestDemoTrafficOnEveryInterface: a stand-in bound to every interface is
// reached by loopback.
func TestDemoTrafficOnEveryInterface(t *testing.T) {
	out, _, cancel, done, result := serveInBackground(t, "--data", t.TempDir(), "--now", "2026-10-06T10:00:00+02:00",
		"serve", "--demo", "--listen", "127.0.0.1:0", "--http", ":0", "--metrics", "127.0.0.1:0")
	waitOutput(t, out, regexp.MustCompile(`Simulated traffic runs`), done, result)
	metrics := regexp.MustCompile(`Metrics: (http://\S+/metrics)`).FindStringSubmatch(out.String())
	if metrics == nil {
		t.Fatalf("no metrics URL in\n%s", out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, body := httpGet(t, metrics[1])
		if strings.Contains(body, `code="201",route="POST /{number}/connexions"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no simulated connection on a stand-in bound to every interface:\n%s", grepLines(body, "hebergement_http_requests_total"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	<-done
}
