package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
)

var _ bot.InsightStore = (*Store)(nil)

// gapArgs are the parameters $23..$29 of finish: whether there is a gap, and its values.
func gapArgs(g *bot.Gap) []any {
	if g == nil {
		return []any{false, "", "", "", "", "", nil}
	}
	return []any{true, g.Question, g.Language, string(g.Reason), g.Detail, g.TicketNumber, g.Confidence}
}

// RecordGap implements bot.InsightStore.
func (s *Store) RecordGap(ctx context.Context, g *bot.Gap) error {
	if err := g.Validate(); err != nil {
		return err
	}
	now := now()
	var conv *string
	if g.ConversationID != "" {
		c := canonical(g.ConversationID)
		conv = &c
	}
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO knowledge_gaps (conversation_id, question, language, reason,
		detail, ticket_number, confidence, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		conv, g.Question, g.Language, string(g.Reason), g.Detail, g.TicketNumber, g.Confidence, now).Scan(&id)
	if err != nil {
		return lookupError(err, "record a knowledge gap")
	}
	g.ID, g.CreatedAt = id, now
	if conv != nil {
		g.ConversationID = *conv
	}
	return nil
}

type gapRow struct {
	ID             int64     `db:"id"`
	ConversationID *string   `db:"conversation_id"`
	Question       string    `db:"question"`
	Language       string    `db:"language"`
	Reason         string    `db:"reason"`
	Detail         string    `db:"detail"`
	TicketNumber   string    `db:"ticket_number"`
	Confidence     *float64  `db:"confidence"`
	CreatedAt      time.Time `db:"created_at"`
}

// Gaps implements bot.InsightStore: a backward scan of knowledge_gaps_created_idx.
func (s *Store) Gaps(ctx context.Context, q bot.GapQuery) ([]bot.Gap, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	rows, _ := s.pool.Query(ctx, `SELECT id, conversation_id::text AS conversation_id, question, language,
		reason, detail, ticket_number, confidence, created_at
		FROM knowledge_gaps
		WHERE created_at >= $1 AND created_at < $2 AND ($3 = '' OR language = $3)
		ORDER BY created_at DESC, id DESC LIMIT $4`, q.Since, q.Until, q.Language, q.Limit)
	got, err := pgx.CollectRows(rows, pgx.RowToStructByName[gapRow])
	if err != nil {
		return nil, dbError(err, "read knowledge gaps")
	}
	out := make([]bot.Gap, len(got))
	for i, r := range got {
		out[i] = bot.Gap{ID: r.ID, Question: r.Question, Language: r.Language, Reason: bot.GapReason(r.Reason),
			Detail: r.Detail, TicketNumber: r.TicketNumber, Confidence: r.Confidence, CreatedAt: r.CreatedAt.UTC()}
		if r.ConversationID != nil {
			out[i].ConversationID = *r.ConversationID
		}
	}
	return out, nil
}

// The summary's statements; each reads its window through an index of 010_insights.sql.
const (
	// A conversation counts when the user wrote; it was the bot's alone when the bot answered
	// and no ticket was ever opened for it. The lateral subquery reads each conversation's
	// messages through their index: a semi-join would hash every message ever written.
	summaryConversations = `SELECT count(*) FILTER (WHERE m.asked) AS conversations,
		count(*) FILTER (WHERE m.asked AND m.answered
			AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.conversation_id = c.id)) AS answered_by_bot
	FROM conversations c
	CROSS JOIN LATERAL (
		SELECT coalesce(bool_or(role = 'user'), false) AS asked,
			coalesce(bool_or(role = 'bot' AND decision = 'answer'), false) AS answered
		FROM messages WHERE conversation_id = c.id
	) m
	WHERE c.created_at >= $1 AND c.created_at < $2`

	// Per priority and trigger, so that one scan gives handoffs by trigger and the times by
	// priority; the percentiles need the priority's rows together, hence the second level.
	summaryTickets = `WITH t AS (
		SELECT priority, trigger,
			extract(epoch FROM first_response_at - created_at)::float8 AS first_s,
			extract(epoch FROM resolved_at - created_at)::float8 AS resolved_s,
			(first_response_at IS NOT NULL OR breached_at IS NOT NULL OR due_at < $3) AS sla_known,
			(first_response_at IS NOT NULL AND first_response_at <= due_at AND breached_at IS NULL) AS within_sla
		FROM tickets WHERE created_at >= $1 AND created_at < $2
	)
	SELECT priority, count(*) AS tickets,
		count(first_s) AS responded,
		percentile_cont(0.5) WITHIN GROUP (ORDER BY first_s) AS first_p50,
		percentile_cont(0.9) WITHIN GROUP (ORDER BY first_s) AS first_p90,
		count(*) FILTER (WHERE sla_known) AS sla_known,
		count(*) FILTER (WHERE within_sla) AS within_sla,
		count(resolved_s) AS resolved,
		percentile_cont(0.5) WITHIN GROUP (ORDER BY resolved_s) AS resolved_p50,
		percentile_cont(0.9) WITHIN GROUP (ORDER BY resolved_s) AS resolved_p90
	FROM t GROUP BY priority`

	summaryTriggers = `SELECT trigger, count(*) FROM tickets
	WHERE created_at >= $1 AND created_at < $2 GROUP BY trigger`

	summaryRatings = `SELECT score, count(*) FROM ratings
	WHERE created_at >= $1 AND created_at < $2 GROUP BY score`

	summaryOpen = `SELECT queue, count(*) FILTER (WHERE status = 'queued') AS queued,
		count(*) FILTER (WHERE status = 'assigned') AS assigned
	FROM tickets WHERE status IN ('queued', 'assigned') GROUP BY queue`

	summaryGaps = `SELECT reason, count(*) FROM knowledge_gaps
	WHERE created_at >= $1 AND created_at < $2 GROUP BY reason`
)

type priorityRow struct {
	Priority    int      `db:"priority"`
	Tickets     int      `db:"tickets"`
	Responded   int      `db:"responded"`
	FirstP50    *float64 `db:"first_p50"`
	FirstP90    *float64 `db:"first_p90"`
	SLAKnown    int      `db:"sla_known"`
	WithinSLA   int      `db:"within_sla"`
	Resolved    int      `db:"resolved"`
	ResolvedP50 *float64 `db:"resolved_p50"`
	ResolvedP90 *float64 `db:"resolved_p90"`
}

// Summary implements bot.InsightStore: six small statements sent as one batch, in one
// repeatable-read transaction so that their numbers agree with each other.
func (s *Store) Summary(ctx context.Context, q bot.SummaryQuery) (bot.Summary, error) {
	if err := q.Validate(); err != nil {
		return bot.Summary{}, err
	}
	sum := bot.Summary{Since: q.Since, Until: q.Until, Handoffs: map[handoff.Trigger]int{},
		FirstResponse: map[handoff.Priority]bot.Times{}, Resolution: map[handoff.Priority]bot.Times{},
		OpenTickets: map[string]bot.QueueLoad{}, Gaps: map[bot.GapReason]int{}}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(summaryConversations, q.Since, q.Until).QueryRow(func(row pgx.Row) error {
			return row.Scan(&sum.Conversations, &sum.AnsweredByBot)
		})
		b.Queue(summaryTickets, q.Since, q.Until, q.Now).Query(func(rows pgx.Rows) error {
			got, err := pgx.CollectRows(rows, pgx.RowToStructByName[priorityRow])
			for _, r := range got {
				p := handoff.Priority(r.Priority)
				sum.FirstResponse[p] = bot.Times{Tickets: r.Tickets, Measured: r.Responded, P50: r.FirstP50,
					P90: r.FirstP90, SLAKnown: r.SLAKnown, WithinSLA: r.WithinSLA}
				sum.Resolution[p] = bot.Times{Tickets: r.Tickets, Measured: r.Resolved, P50: r.ResolvedP50, P90: r.ResolvedP90}
			}
			return err
		})
		b.Queue(summaryTriggers, q.Since, q.Until).Query(counts(func(k string, n int) { sum.Handoffs[handoff.Trigger(k)] = n }))
		b.Queue(summaryRatings, q.Since, q.Until).Query(func(rows pgx.Rows) error {
			var score, n int
			_, err := pgx.ForEachRow(rows, []any{&score, &n}, func() error {
				if score < handoff.MinScore || score > handoff.MaxScore {
					return fmt.Errorf("a rating of %d", score)
				}
				sum.CSAT.Ratings += n
				sum.CSAT.Sum += score * n
				sum.CSAT.Distribution[score-1] = n
				return nil
			})
			return err
		})
		b.Queue(summaryOpen).Query(func(rows pgx.Rows) error {
			var queue string
			var load bot.QueueLoad
			_, err := pgx.ForEachRow(rows, []any{&queue, &load.Queued, &load.Assigned}, func() error {
				sum.OpenTickets[queue] = load
				return nil
			})
			return err
		})
		b.Queue(summaryGaps, q.Since, q.Until).Query(counts(func(k string, n int) { sum.Gaps[bot.GapReason(k)] = n }))
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return bot.Summary{}, dbError(err, "compute the insights summary")
	}
	return sum, nil
}

// counts reads (text, count) rows into set.
func counts(set func(string, int)) func(pgx.Rows) error {
	return func(rows pgx.Rows) error {
		var k string
		var n int
		_, err := pgx.ForEachRow(rows, []any{&k, &n}, func() error {
			set(k, n)
			return nil
		})
		return err
	}
}
