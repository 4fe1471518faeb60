package prompts

import "errors"

// ErrInvalid marks input a prompt cannot be rendered from (an empty question, an unknown
// role); the error names the field.
var ErrInvalid = errors.New("invalid prompt input")
