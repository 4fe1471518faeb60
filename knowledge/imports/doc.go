// Package imports reads the files knowledge editors import: JSON, JSON Lines, CSV and
// Markdown. It checks shape only (the file's encoding, its structure, field names and types);
// knowledge.Service.Import then normalizes and validates each article and reports duplicates.
//
// Every format carries the fields of knowledge.Article under its JSON names: external_id,
// title, question, answer, similar_questions, category, tags, language and status. The
// server-managed fields id, version, created_at and updated_at are accepted and ignored, so an
// exported article can be imported again; articles are matched by external_id.
//
// Files must be UTF-8; a UTF-8 byte order mark is dropped. A problem with the whole file (not
// UTF-8, empty, not JSON, a CSV header without a required column, broken front matter) is an
// error wrapping knowledge.ErrInvalid. A problem with one row (invalid UTF-8 in it, an unknown
// field, a wrong type, a malformed JSON line, more than MaxRowBytes) is that row's Err, and the
// other rows still parse. A file holds at most MaxRows rows.
//
// # Row numbers
//
// Rows are numbered the way an editor finds them: the n-th element of a JSON array is row n;
// in JSON Lines the row is the line number (blank lines count but hold no article); in CSV the
// row is the one a spreadsheet shows, the header being row 1 and the first article row 2; in
// Markdown it is the line number of the article's "##" heading.
//
// # JSON and JSON Lines
//
// JSON is an array of objects; JSON Lines is one object per line. Text fields are strings
// (null means empty), similar_questions and tags arrays of strings.
//
// # CSV
//
// The first record is the header: column names in any order, case and spacing forgiven
// ("Similar Questions" is similar_questions). question, answer and language are required;
// unknown columns are refused, so a misspelt column never drops data silently. The separator
// is ',' unless the header line has more ';' or tabs. In a similar_questions cell questions are
// separated by '|' or line breaks; in a tags cell by '|' or commas (",", "，", "、").
//
// # Markdown
//
// A Markdown file may open with front matter between two "---" lines, giving defaults for
// every article in it: category, language, status, tags ("[a, b]", "a, b", or "- a" lines),
// and id_prefix. Each "## question" heading then starts an article and its body is the answer,
// up to the next "##" or "#" heading ("###" and deeper headings belong to the answer; so does a
// "##" line inside a ``` code block). Text before the first question is ignored.
//
// The "> field: value" lines right under a heading (blank lines may come between) set fields
// of that article: similar (questions separated by '|'; the line may repeat), title, tags
// (added to the file's tags), category, language and status (which override the file's). Any
// other field there is an error, so an answer cannot start with a quote.
//
// The external_id comes from a "{#id}" at the end of the heading; without one, and with an
// id_prefix in the front matter, it is the prefix followed by a slug of the question (letters
// and digits of any script joined by '-'). Editing such a question changes its id, so give
// articles that will be edited an explicit {#id}. For example:
//
//	---
//	language: en
//	category: payment
//	status: published
//	tags: [coins, wallet]
//	id_prefix: help-en-payment-
//	---
//
//	# Payments
//
//	## How do I withdraw my earnings? {#help-en-payment-004}
//	> similar: cant withdraw my coins | how to cash out
//	> similar: where is my money
//	> tags: withdrawal
//
//	Go to **Me > Wallet > Earnings** and tap **Withdraw**.
//
//	## Why was I charged twice?
//	> status: draft
//
//	The second charge is usually a pending authorization that disappears within 3 days.
//
// The second article gets the external_id "help-en-payment-why-was-i-charged-twice".
package imports
