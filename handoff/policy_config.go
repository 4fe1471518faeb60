package handoff

import (
	"fmt"
	"strings"
	"time"
)

// ParseRouting reads the category -> queue mapping of a deployment's configuration, written
// "account=account,payment=billing,refund=billing": every category names its queue; a
// category missing from the list goes to the "general" category's queue. Names are lowercase
// letters, digits, '-' and '_', at most MaxQueueLen characters.
func ParseRouting(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		category, queue, ok := strings.Cut(pair, "=")
		category, queue = strings.TrimSpace(category), strings.TrimSpace(queue)
		if !ok {
			return nil, fmt.Errorf("%q is not category=queue", pair)
		}
		if err := CheckQueueName(category); err != nil {
			return nil, fmt.Errorf("category %q: %w", category, err)
		}
		if err := CheckQueueName(queue); err != nil {
			return nil, fmt.Errorf("queue %q: %w", queue, err)
		}
		if _, dup := out[category]; dup {
			return nil, fmt.Errorf("category %q is mapped twice", category)
		}
		out[category] = queue
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no category=queue pair in %q", s)
	}
	return out, nil
}

// ParseSLA reads first-response targets written "P1=30s,P2=5m,P3=2h"; the tiers left out keep
// the targets of base. A tier's target may not be shorter than a more urgent tier's.
func ParseSLA(s string, base map[Priority]time.Duration) (map[Priority]time.Duration, error) {
	out := map[Priority]time.Duration{}
	for p, d := range base {
		out[p] = d
	}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		tier, value, ok := strings.Cut(pair, "=")
		if !ok {
			return nil, fmt.Errorf("%q is not P1=30s", pair)
		}
		var p Priority
		switch strings.ToUpper(strings.TrimSpace(tier)) {
		case "P1":
			p = P1
		case "P2":
			p = P2
		case "P3":
			p = P3
		default:
			return nil, fmt.Errorf("%q is not a priority (P1, P2 or P3)", tier)
		}
		d, err := time.ParseDuration(strings.TrimSpace(value))
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%s: %q is not a positive duration such as 5m", p, value)
		}
		out[p] = d
	}
	if out[P1] > out[P2] || out[P2] > out[P3] {
		return nil, fmt.Errorf("targets must not shrink as urgency falls: P1 %v, P2 %v, P3 %v", out[P1], out[P2], out[P3])
	}
	return out, nil
}

// CheckQueueName refuses a queue or category name an agent could not type or a URL carry.
func CheckQueueName(name string) error {
	if name == "" || len(name) > MaxQueueLen {
		return fmt.Errorf("must have 1 to %d characters: %w", MaxQueueLen, ErrInvalid)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("may hold only lowercase letters, digits, '-' and '_': %w", ErrInvalid)
		}
	}
	return nil
}
