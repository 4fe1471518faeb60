package main

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDemoModeChats boots the demo (no database): anonymous chat is on, a host app's user
// token works, and shutdown does not wait for an open event stream.
func TestDemoModeChats(t *testing.T) {
	const secret = "host-app-secret-0123456789abcdef"
	s := boot(t, map[string]string{"FAQBOT_ADMIN_TOKEN": "test-admin-token", "FAQBOT_USER_SECRET": secret})

	status, conv := s.do(t, "POST", "/v1/conversations", "", "", "")
	require.Equal(t, http.StatusCreated, status, "anonymous chat is on in the demo mode")
	id, token := conv["id"].(string), conv["token"].(string)
	require.NotEmpty(t, token)
	status, reply := s.do(t, "POST", "/v1/conversations/"+id+"/messages", token, "application/json", `{"text":"收不到验证码怎么办"}`)
	require.Equal(t, http.StatusOK, status, "%v", reply)
	assert.Equal(t, "answer", reply["decision"])

	user, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "u1", "exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte(secret))
	require.NoError(t, err)
	status, mine := s.do(t, "POST", "/v1/conversations", user, "", "")
	require.Equal(t, http.StatusCreated, status)
	assert.Nil(t, mine["token"], "a signed-in user's conversation has no token of its own")

	// An open event stream must not hold the shutdown up.
	req, err := http.NewRequestWithContext(t.Context(), "GET", s.base+"/v1/conversations/"+id+"/events", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	line, err := bufio.NewReader(res.Body).ReadString('\n')
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(line, "retry:") || strings.HasPrefix(line, "id:") || strings.HasPrefix(line, "event:"), line)

	start := time.Now()
	stopped := make(chan error, 1)
	go func() { stopped <- s.stop() }()
	select {
	case err := <-stopped:
		require.NoError(t, err)
		assert.Less(t, time.Since(start), 5*time.Second)
	case <-time.After(10 * time.Second):
		t.Fatal("shutdown waited for the event stream")
	}
}
