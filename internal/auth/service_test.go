package auth_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/internal/auth"
	"github.com/faqbot/faqbot/internal/auth/memory"
)

const adminToken = "admin-secret-for-tests-0123456789"

func TestMint(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	svc := auth.NewService(store, adminToken)

	plain, tok, err := svc.Mint(ctx, auth.RoleEditor, "  张三 (editor)  ")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(plain, auth.TokenPrefix), "token %q", plain)
	assert.Len(t, plain, len(auth.TokenPrefix)+43, "32 random bytes in unpadded base64url")
	assert.Equal(t, "张三 (editor)", tok.Name, "the name is trimmed")
	assert.Equal(t, auth.RoleEditor, tok.Role)
	assert.NotZero(t, tok.ID)
	assert.WithinDuration(t, time.Now(), tok.CreatedAt, time.Minute)

	stored, err := store.TokenByHash(ctx, sha256Of(plain))
	require.NoError(t, err, "the store is keyed by the SHA-256 of the secret")
	assert.Equal(t, tok.ID, stored.ID)
	_, err = store.TokenByHash(ctx, []byte(plain))
	assert.ErrorIs(t, err, auth.ErrNotFound, "the plaintext itself is not a key")

	other, _, err := svc.Mint(ctx, auth.RoleEditor, "second")
	require.NoError(t, err)
	assert.NotEqual(t, plain, other, "every token is fresh")
}

func TestMintRejects(t *testing.T) {
	svc := auth.NewService(memory.New(), adminToken)
	tests := []struct {
		name      string
		role      auth.Role
		tokenName string
		field     string
		mention   string
	}{
		{"admin role", auth.RoleAdmin, "x", "role", "FAQBOT_ADMIN_TOKEN"},
		{"unknown role", "owner", "x", "role", `"owner"`},
		{"empty role", "", "x", "role", "editor or agent"},
		{"long name", auth.RoleAgent, strings.Repeat("名", auth.MaxNameLen+1), "name", "101 characters"},
		{"control character", auth.RoleAgent, "a\x00b", "name", "control character"},
		{"invalid UTF-8", auth.RoleAgent, "a\xffb", "name", "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := svc.Mint(context.Background(), tt.role, tt.tokenName)
			require.ErrorIs(t, err, auth.ErrInvalid)
			var fe *auth.FieldError
			require.True(t, errors.As(err, &fe), "a *FieldError, got %T", err)
			assert.Equal(t, tt.field, fe.Field)
			assert.Contains(t, err.Error(), tt.mention)
		})
	}
	list, _, err := svc.List(context.Background(), 0, 10)
	require.NoError(t, err)
	assert.Empty(t, list, "nothing was stored")
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	svc := auth.NewService(memory.New(), adminToken)
	editor, editorTok, err := svc.Mint(ctx, auth.RoleEditor, "ed")
	require.NoError(t, err)
	agent, agentTok, err := svc.Mint(ctx, auth.RoleAgent, "ag")
	require.NoError(t, err)
	revoked, revokedTok, err := svc.Mint(ctx, auth.RoleEditor, "gone")
	require.NoError(t, err)
	require.NoError(t, svc.Revoke(ctx, revokedTok.ID))

	tests := []struct {
		name   string
		bearer string
		want   auth.Principal
		err    error
	}{
		{"admin", adminToken, auth.Principal{Role: auth.RoleAdmin, Name: "admin"}, nil},
		{"editor", editor, auth.Principal{Role: auth.RoleEditor, TokenID: editorTok.ID, Name: "ed"}, nil},
		{"agent", agent, auth.Principal{Role: auth.RoleAgent, TokenID: agentTok.ID, Name: "ag"}, nil},
		{"empty", "", auth.Principal{}, auth.ErrUnauthenticated},
		{"revoked", revoked, auth.Principal{}, auth.ErrUnauthenticated},
		{"unknown but well-formed", auth.TokenPrefix + strings.Repeat("A", 43), auth.Principal{}, auth.ErrUnauthenticated},
		{"editor token with a changed character", flipLast(editor), auth.Principal{}, auth.ErrUnauthenticated},
		{"admin token prefix", adminToken[:10], auth.Principal{}, auth.ErrUnauthenticated},
		{"admin token with more", adminToken + "x", auth.Principal{}, auth.ErrUnauthenticated},
		{"garbage", "Bearer " + editor, auth.Principal{}, auth.ErrUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := svc.Authenticate(ctx, tt.bearer)
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				assert.Equal(t, auth.Principal{}, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestAuthenticateWithoutAdminToken(t *testing.T) {
	svc := auth.NewService(memory.New(), "")
	_, err := svc.Authenticate(context.Background(), "")
	assert.ErrorIs(t, err, auth.ErrUnauthenticated, "an empty admin token must not let an empty bearer in")
}

func TestAuthenticateRecordsLastUse(t *testing.T) {
	ctx := context.Background()
	svc := auth.NewService(memory.New(), adminToken)
	plain, tok, err := svc.Mint(ctx, auth.RoleAgent, "ag")
	require.NoError(t, err)

	_, err = svc.Authenticate(ctx, plain)
	require.NoError(t, err)
	first := listOne(t, svc, tok.ID).LastUsedAt
	require.NotNil(t, first, "the first use is recorded")
	assert.WithinDuration(t, time.Now(), *first, time.Minute)

	_, err = svc.Authenticate(ctx, plain)
	require.NoError(t, err)
	second := listOne(t, svc, tok.ID).LastUsedAt
	require.NotNil(t, second)
	assert.True(t, first.Equal(*second), "uses within a minute do not write again")
}

func TestListAndRevoke(t *testing.T) {
	ctx := context.Background()
	svc := auth.NewService(memory.New(), adminToken)
	for _, n := range []string{"a", "b", "c"} {
		_, _, err := svc.Mint(ctx, auth.RoleAgent, n)
		require.NoError(t, err)
	}
	page, more, err := svc.List(ctx, 0, 2)
	require.NoError(t, err)
	assert.True(t, more)
	require.Len(t, page, 2)
	rest, more, err := svc.List(ctx, page[1].ID, 2)
	require.NoError(t, err)
	assert.False(t, more)
	require.Len(t, rest, 1)
	assert.Equal(t, "c", rest[0].Name)

	for _, limit := range []int{0, -1, auth.MaxListLimit + 1} {
		_, _, err := svc.List(ctx, 0, limit)
		var fe *auth.FieldError
		require.ErrorAs(t, err, &fe, "limit %d", limit)
		assert.Equal(t, "limit", fe.Field)
	}

	require.NoError(t, svc.Revoke(ctx, page[0].ID))
	assert.NotNil(t, listOne(t, svc, page[0].ID).RevokedAt)
	assert.ErrorIs(t, svc.Revoke(ctx, 12345), auth.ErrNotFound)
}

func TestAuthenticateConcurrently(t *testing.T) {
	ctx := context.Background()
	svc := auth.NewService(memory.New(), adminToken)
	plain, _, err := svc.Mint(ctx, auth.RoleEditor, "ed")
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			_, err := svc.Authenticate(ctx, plain)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
}

func TestPrincipalHas(t *testing.T) {
	tests := []struct {
		p    auth.Principal
		role auth.Role
		want bool
	}{
		{auth.Principal{Role: auth.RoleAdmin}, auth.RoleEditor, true},
		{auth.Principal{Role: auth.RoleAdmin}, auth.RoleAgent, true},
		{auth.Principal{Role: auth.RoleEditor}, auth.RoleEditor, true},
		{auth.Principal{Role: auth.RoleEditor}, auth.RoleAgent, false},
		{auth.Principal{Role: auth.RoleEditor}, auth.RoleAdmin, false},
		{auth.Principal{Role: auth.RoleAgent}, auth.RoleEditor, false},
		{auth.Principal{}, "", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.p.Role)+" as "+string(tt.role), func(t *testing.T) {
			assert.Equal(t, tt.want, tt.p.Has(tt.role))
		})
	}
}

func listOne(t *testing.T, svc *auth.Service, id int64) auth.Token {
	t.Helper()
	page, _, err := svc.List(context.Background(), id-1, 1)
	require.NoError(t, err)
	require.Len(t, page, 1)
	require.Equal(t, id, page[0].ID)
	return page[0]
}

func sha256Of(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func flipLast(s string) string {
	b := []byte(s)
	if b[len(b)-1] == 'A' {
		b[len(b)-1] = 'B'
	} else {
		b[len(b)-1] = 'A'
	}
	return string(b)
}

func TestMintDefaultsTheName(t *testing.T) {
	svc := auth.NewService(memory.New(), adminToken)
	for _, name := range []string{"", " \t 　"} {
		_, tok, err := svc.Mint(context.Background(), auth.RoleAgent, name)
		require.NoError(t, err)
		assert.Equal(t, "agent token", tok.Name)
	}
}
