package handoff_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/handoff"
)

func TestParseRouting(t *testing.T) {
	got, err := handoff.ParseRouting(" account=account, payment=billing,refund=billing ,general=general")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"account": "account", "payment": "billing", "refund": "billing", "general": "general"}, got)

	p := handoff.DefaultPolicy()
	p.QueueFor = got
	assert.Equal(t, []string{"account", "billing", "general", "senior"}, p.Queues())
	ticket := p.Open(handoff.OpenRequest{Category: "payment", Trigger: handoff.TriggerLowConfidence}, time.Now())
	assert.Equal(t, "billing", ticket.Queue)
	ticket = p.Open(handoff.OpenRequest{Category: "ads", Trigger: handoff.TriggerLowConfidence}, time.Now())
	assert.Equal(t, "general", ticket.Queue, "an unmapped category goes to general's queue")

	for in, want := range map[string]string{
		"":                              "no category=queue pair",
		"account":                       "is not category=queue",
		"account=":                      `queue ""`,
		"Account=x":                     `category "Account"`,
		"a=b,a=c":                       "mapped twice",
		"live=直播":                       `queue "直播"`,
		"a=" + string(make([]byte, 65)): "queue",
	} {
		_, err := handoff.ParseRouting(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
	}
}

func TestParseSLA(t *testing.T) {
	base := handoff.DefaultPolicy().SLA
	got, err := handoff.ParseSLA("p1=1m, P3=4h", base)
	require.NoError(t, err)
	assert.Equal(t, map[handoff.Priority]time.Duration{handoff.P1: time.Minute, handoff.P2: 5 * time.Minute, handoff.P3: 4 * time.Hour}, got)
	assert.Equal(t, 30*time.Second, base[handoff.P1], "the base is not changed")

	for in, want := range map[string]string{
		"P4=1m":   "is not a priority",
		"P1":      "is not P1=30s",
		"P2=soon": "not a positive duration",
		"P2=-5m":  "not a positive duration",
		"P1=10m":  "must not shrink",
		"P3=1m":   "must not shrink",
	} {
		_, err := handoff.ParseSLA(in, base)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
	}
}
