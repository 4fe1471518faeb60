package api

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/imports"
)

// errBodyCut is answered with 413 by the error handler, which sees the cut body.
var errBodyCut = errors.New("the request body was cut at its size limit")

// importHandler serves bulk article imports from editors' files.
type importHandler struct {
	knowledge *knowledge.Service
}

func (h *importHandler) routes(g *echo.Group, mw []echo.MiddlewareFunc) {
	g.POST("/articles/import", h.importArticles, mw...)
}

type importResponse struct {
	Created int              `json:"created"`
	Updated int              `json:"updated"`
	Failed  []rowErrorOutput `json:"failed"`
}

type rowErrorOutput struct {
	Row   int    `json:"row"`
	Error string `json:"error"`
}

func (h *importHandler) importArticles(c echo.Context) error {
	format, body, err := importSource(c)
	if err != nil {
		return err
	}
	rows, err := imports.Parse(format, body)
	if bodyTooLarge(c) {
		// A parser may have taken the cut as a bad last row; nothing of a cut file is written.
		return errBodyCut
	}
	if errors.Is(err, knowledge.ErrInvalid) {
		// The file is of a format we read, but as a whole it cannot be imported.
		return newError(http.StatusUnprocessableEntity, codeUnprocessable, msgImportFile, err.Error()).wrap(err)
	}
	if err != nil {
		return err
	}
	report, err := h.knowledge.Import(c.Request().Context(), rows)
	if err != nil {
		return err
	}
	resp := importResponse{Created: report.Created, Updated: report.Updated, Failed: make([]rowErrorOutput, len(report.Failed))}
	for i, f := range report.Failed {
		resp.Failed[i] = rowErrorOutput{Row: f.Row, Error: f.Error}
	}
	return c.JSON(http.StatusOK, resp)
}

// importSource finds the file and its format: the body itself, typed by Content-Type, or
// the file part of a multipart form, typed by its file name's extension.
func importSource(c echo.Context) (imports.Format, io.Reader, error) {
	req := c.Request()
	ct := req.Header.Get(echo.HeaderContentType)
	if mediaType, _, err := mime.ParseMediaType(ct); err != nil || mediaType != echo.MIMEMultipartForm {
		f, err := imports.FormatForContentType(ct)
		return f, req.Body, err
	}
	mr, err := req.MultipartReader()
	if err != nil {
		return "", nil, invalid("file", msgBadMultipart, err.Error()).wrap(err)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return "", nil, invalid("file", msgNoFile)
		}
		if err != nil {
			return "", nil, invalid("file", msgBadMultipart, err.Error()).wrap(err)
		}
		if part.FormName() != "file" {
			continue
		}
		f, err := imports.FormatForFilename(part.FileName())
		return f, part, err
	}
}
