package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// decodeJSON reads the body into dst, a request struct, strictly: JSON only, UTF-8 only,
// exactly one object, no unknown fields, every type as declared. Each refusal names what is
// wrong, so an editor can fix the request without reading our code.
func decodeJSON(c echo.Context, dst any) error {
	req := c.Request()
	ct := req.Header.Get(echo.HeaderContentType)
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil || mediaType != echo.MIMEApplicationJSON {
		return newError(http.StatusUnsupportedMediaType, codeUnsupportedMedia, msgJSONType, clip(ct))
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return newError(http.StatusUnsupportedMediaType, codeUnsupportedMedia, msgCharset, clip(cs))
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		// The error handler turns a body over the limit into 413 before this is looked at.
		return err
	}
	// encoding/json would quietly turn invalid bytes into U+FFFD; refuse them instead.
	if !utf8.Valid(body) {
		return invalid("", msgNotUTF8)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return invalid("", msgEmptyBody)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err, dst)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid("", msgTrailing)
	}
	return nil
}

func jsonError(err error, dst any) error {
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return invalid("", msgSyntax, se.Offset, strings.TrimPrefix(se.Error(), "json: ")).wrap(err)
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if te.Field == "" {
			return invalid("", msgNotObject, jsonKind(te.Value)).wrap(err)
		}
		// encoding/json reports a bad array element by the array's name and the element's type.
		if ft := fieldType(dst, te.Field); ft != nil && ft.Kind() == reflect.Slice && ft.Elem() == te.Type {
			return invalid(te.Field, msgWrongItem, te.Field, expected(te.Type), jsonKind(te.Value)).wrap(err)
		}
		return invalid(te.Field, msgWrongType, te.Field, expected(te.Type), jsonKind(te.Value)).wrap(err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return invalid("", msgTruncated).wrap(err)
	}
	// encoding/json has no type for this one; its text is stable: json: unknown field "x".
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return invalid(name, msgUnknownField, clip(name)).wrap(err)
	}
	return invalid("", msgDomain, strings.TrimPrefix(err.Error(), "json: ")).wrap(err)
}

// expected names a Go type the way a JSON author thinks of it.
func expected(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(expected(t.Elem()), "a "), "an ") + "s"
	default:
		return "an object"
	}
}

// jsonKind names what was sent; encoding/json reports "number 1.5" for a fraction.
func jsonKind(v string) string {
	switch {
	case v == "bool":
		return "true/false"
	case v == "array" || v == "object":
		return "an " + v
	case strings.HasPrefix(v, "number "):
		return "the " + v
	case v == "":
		return "another type"
	default:
		return "a " + v
	}
}

// fieldType is the type of the field of the struct *dst whose JSON name is name.
func fieldType(dst any, name string) reflect.Type {
	t := reflect.TypeOf(dst)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	for f := range t.Fields() {
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == name {
			return f.Type
		}
	}
	return nil
}
