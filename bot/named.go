package bot

import (
	"context"
	"fmt"
	"strings"
)

// StartWithID opens a conversation for ownerID under an id the caller derived, for clients
// that name conversations themselves (the OpenAI-compatible endpoint names one by the
// request's user field). id must be a lowercase UUID; an id already taken is ErrConflict.
func (e *Engine) StartWithID(ctx context.Context, id, ownerID, language string) (Conversation, error) {
	if ownerID == "" {
		return Conversation{}, fmt.Errorf("%w: no user", ErrInvalid)
	}
	if !ValidID(id) || id != strings.ToLower(id) {
		return Conversation{}, fmt.Errorf("%w: conversation id %q is not a lowercase UUID", ErrInvalid, id)
	}
	c := Conversation{ID: id, OwnerID: ownerID, Language: language, State: StateBot}
	if err := e.store.CreateConversation(ctx, &c); err != nil {
		return Conversation{}, err
	}
	return c, nil
}
