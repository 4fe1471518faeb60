package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/internal/postgres/pgtest"
)

// replica is a faqbot process of its own, started from the built binary.
type replica struct {
	server
	cmd *exec.Cmd
}

// buildBinary builds faqbot once for the test.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "faqbot")
	goTool := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if os.Getenv("GOROOT") == "" {
		goTool = "go"
	}
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// startReplica runs `faqbot serve` on a free loopback port and waits until it listens; its
// address comes from its own log.
func startReplica(t *testing.T, bin string, env map[string]string) *replica {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--log-format", "json")
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	logs := &syncBuffer{}
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Bytes()
			_, _ = logs.Write(append(bytes.Clone(line), '\n'))
			var rec struct{ Msg, URL string }
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "listening" {
				addr <- rec.URL
			}
		}
	}()
	r := &replica{cmd: cmd}
	r.logs = logs
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	select {
	case r.base = <-addr:
	case <-time.After(60 * time.Second):
		t.Fatalf("the replica did not start\n%s", logs.String())
	}
	return r
}

// stop asks the replica to shut down as an orchestrator does, and waits for its exit.
func (r *replica) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, r.cmd.Process.Signal(os.Interrupt))
	done := make(chan error, 1)
	go func() { done <- r.cmd.Wait() }()
	select {
	case err := <-done:
		assert.NoError(t, err, "a clean exit\n%s", r.logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("the replica did not stop\n%s", r.logs.String())
	}
}

// sseEvents reads a server-sent event stream: name, id and data of each event.
type sseEvents struct{ sc *bufio.Scanner }

type sseEvent struct{ name, id, data string }

func openStream(t *testing.T, url, token string) *sseEvents {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { res.Body.Close() })
	require.Equal(t, http.StatusOK, res.StatusCode)
	return &sseEvents{sc: bufio.NewScanner(res.Body)}
}

func (s *sseEvents) next(t *testing.T) sseEvent {
	t.Helper()
	var ev sseEvent
	for s.sc.Scan() {
		line := s.sc.Text()
		switch {
		case line == "" && ev.name+ev.data != "":
			return ev
		case strings.HasPrefix(line, "event: "):
			ev.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "id: "):
			ev.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "data: "):
			ev.data = strings.TrimPrefix(line, "data: ")
		}
	}
	t.Fatalf("the stream ended: %v", s.sc.Err())
	return ev
}

// until reads events until one named name.
func (s *sseEvents) until(t *testing.T, name string) map[string]any {
	t.Helper()
	for {
		ev := s.next(t)
		if ev.name != name {
			continue
		}
		var data map[string]any
		require.NoError(t, json.Unmarshal([]byte(ev.data), &data), ev.data)
		return data
	}
}

// TestTwoReplicasShareLiveEvents runs two server processes on one database: what happens
// through one reaches the event streams of the other, through PostgreSQL LISTEN/NOTIFY.
func TestTwoReplicasShareLiveEvents(t *testing.T) {
	const admin, secret = "replicas-admin-token", "replicas-user-secret-0123456789abcdef"
	env := map[string]string{
		"DATABASE_URL": pgtest.URL(t), "FAQBOT_ADMIN_TOKEN": admin, "FAQBOT_USER_SECRET": secret,
		"FAQBOT_DEMO_DATA": "false",
	}
	bin := buildBinary(t)
	a := startReplica(t, bin, env)
	b := startReplica(t, bin, env)

	status, minted := a.do(t, "POST", "/v1/tokens", admin, "application/json", `{"role":"agent","name":"Alice"}`)
	require.Equal(t, http.StatusCreated, status, minted)
	agent := minted["token"].(string)
	agentEvents := openStream(t, b.base+"/v1/agent/events", agent)
	require.Equal(t, "ready", agentEvents.next(t).name)

	user, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "replica user", "exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte(secret))
	require.NoError(t, err)
	status, conv := a.do(t, "POST", "/v1/conversations", user, "application/json", `{"language":"zh"}`)
	require.Equal(t, http.StatusCreated, status, conv)
	id := conv["id"].(string)
	status, handoff := a.do(t, "POST", "/v1/conversations/"+id+"/handoff", user, "application/json", `{"reason":"想找人工"}`)
	require.Equal(t, http.StatusOK, status, handoff)
	number, _ := handoff["number"].(string)
	require.NotEmpty(t, number, "%v", handoff)

	created := agentEvents.until(t, "ticket.created")
	assert.Equal(t, number, created["number"], "a ticket opened through A is on B's agent stream")

	status, reply := a.do(t, "POST", "/v1/conversations/"+id+"/messages", user, "application/json", `{"text":"我的订单号是 A123"}`)
	require.Equal(t, http.StatusOK, status, reply)
	msg := agentEvents.until(t, "message.user")
	assert.Equal(t, number, msg["number"])
	assert.Equal(t, "我的订单号是 A123", msg["text"], "so is the user's message written through A")

	// The user follows the chat through B; the agent answers through A.
	userEvents := openStream(t, b.base+"/v1/conversations/"+id+"/events", user)
	status, answered := a.do(t, "POST", "/v1/tickets/"+number+"/messages", agent, "application/json", `{"text":"您好，我是 Alice，马上为您查询"}`)
	require.Equal(t, http.StatusCreated, status, answered)
	for {
		m := userEvents.until(t, "message")
		if m["role"] == "agent" {
			assert.Equal(t, "您好，我是 Alice，马上为您查询", m["text"], "the agent's reply through A reaches the user's stream on B")
			break
		}
	}

	// Both shut down cleanly with their streams and listeners open.
	b.stop(t)
	a.stop(t)
}
