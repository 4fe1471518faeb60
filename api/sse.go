package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// sseStream writes server-sent events. The response is committed by the first frame, not
// before: until then a handler can still answer with a plain status and error body. Frames
// may come from the handler and from a heartbeat goroutine, hence the lock. After a failed
// write (the client left) every later write is skipped and reports the same error.
type sseStream struct {
	mu      sync.Mutex
	res     *echo.Response
	started bool
	err     error
	stopHB  chan struct{}
	hbDone  chan struct{}
}

func newSSE(c echo.Context) *sseStream {
	return &sseStream{res: c.Response()}
}

// wantsEventStream reports whether the client asked for server-sent events.
func wantsEventStream(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get(echo.HeaderAccept), ",") {
		mt, _, _ := strings.Cut(part, ";")
		if strings.EqualFold(strings.TrimSpace(mt), "text/event-stream") {
			return true
		}
	}
	return false
}

// Started reports whether the response is committed.
func (s *sseStream) Started() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started
}

// Failed reports whether err is the stream's own write error: the client went away, and
// there is nobody left to tell.
func (s *sseStream) Failed(err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err != nil && s.err == err
}

// begin commits the stream's headers; the caller holds mu.
func (s *sseStream) begin() {
	if s.started {
		return
	}
	h := s.res.Header()
	h.Set(echo.HeaderContentType, "text/event-stream; charset=utf-8")
	h.Set(echo.HeaderCacheControl, "no-cache")
	// Proxies such as nginx would otherwise buffer the stream.
	h.Set("X-Accel-Buffering", "no")
	s.res.WriteHeader(http.StatusOK)
	s.started = true
}

// Open commits the stream without sending an event, and tells the client how long to wait
// before reconnecting.
func (s *sseStream) Open(retry time.Duration) error {
	return s.write([]byte("retry: " + strconv.FormatInt(retry.Milliseconds(), 10) + "\n\n"))
}

// Event writes one event; data is encoded as JSON, which never holds a raw newline, so it
// fits one data line. name and id are ours, never the client's.
func (s *sseStream) Event(name, id string, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if id != "" {
		b.WriteString("id: " + id + "\n")
	}
	if name != "" {
		b.WriteString("event: " + name + "\n")
	}
	b.WriteString("data: ")
	b.Write(raw)
	b.WriteString("\n\n")
	return s.write(b.Bytes())
}

// Data writes a bare data frame (the OpenAI wire format names no events).
func (s *sseStream) Data(payload []byte) error {
	return s.write(append(append([]byte("data: "), payload...), '\n', '\n'))
}

// Comment writes a comment line, which clients ignore: a heartbeat.
func (s *sseStream) Comment(text string) error {
	return s.write([]byte(": " + text + "\n\n"))
}

func (s *sseStream) write(frame []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.begin()
	if _, err := s.res.Write(frame); err != nil {
		s.err = err
		return err
	}
	s.res.Flush()
	return nil
}

// StartHeartbeat sends a comment every interval until StopHeartbeat, so that proxies keep a
// quiet stream open while a reply is being produced. The first heartbeat commits the stream.
func (s *sseStream) StartHeartbeat(interval time.Duration) {
	s.stopHB, s.hbDone = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.hbDone)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-s.stopHB:
				return
			case <-t.C:
				if s.Comment("ping") != nil {
					return
				}
			}
		}
	}()
}

// StopHeartbeat stops the heartbeat and waits for it, so that Started is final afterwards.
func (s *sseStream) StopHeartbeat() {
	if s.stopHB == nil {
		return
	}
	close(s.stopHB)
	<-s.hbDone
	s.stopHB = nil
}
