package knowledge

import (
	"container/list"
	"sync"
	"unsafe"
)

// featureCache keeps, per article version, the sparse features of the texts rerank compares
// with every question (matchTexts without the store's best chunk): featurizing them took some
// 0.7 ms of CPU per search, three quarters of the service's own work (docs/benchmarks.md).
// Entries never change once made, and an article's texts depend on its content only, so an
// (id, version) key is never stale; a new version simply misses. Bounded by the bytes of
// features it holds, least recently used first out.
type featureCache struct {
	mu    sync.Mutex
	max   int64
	size  int64
	order *list.List // front: most recently used; values are *articleFeatures
	byID  map[int64]*list.Element
}

// articleFeatures are the match texts of one article version and the features of all of them
// in one open-addressing table keyed by hash: the rerank looks each of a question's tens of
// features up once per article, instead of reading the article's hundreds of features per
// text.
type articleFeatures struct {
	id      int64
	version int
	texts   []chunkText // the article's chunk texts, in order, as far as maxTableFeatures allows
	later   []bool      // by text: an answer chunk after the first, which counts only when shown
	slots   []featureSlot
	bytes   int64
}

// featureSlot is one feature of one text; a feature several texts share has a slot per text.
type featureSlot struct {
	hash   uint64
	weight float32
	text   uint32 // 1 + the text's index; 0 marks a free slot
}

// defaultFeatureBytes holds the features of some 9,000 articles of the benchmarks' size (about
// 285 features each, in slots of 16 bytes, the table at most two thirds full).
const defaultFeatureBytes = 64 << 20

// maxTableFeatures bounds the later answer chunks an article's table takes in: they count only
// when the store found one best, and a long answer should not fill the cache.
const maxTableFeatures = 4096

func newFeatureCache(maxBytes int64) *featureCache {
	return &featureCache{max: maxBytes, order: list.New(), byID: make(map[int64]*list.Element)}
}

// of returns the features of a's match texts, computing and keeping them on a miss; f is the
// caller's scratch.
func (c *featureCache) of(a *Article, f *featurizer) *articleFeatures {
	c.mu.Lock()
	if e, ok := c.byID[a.ID]; ok {
		if v := e.Value.(*articleFeatures); v.version == a.Version {
			c.order.MoveToFront(e)
			c.mu.Unlock()
			return v
		}
	}
	c.mu.Unlock()

	v := &articleFeatures{id: a.ID, version: a.Version}
	var feats []sparseVector
	n := 0
	answers := 0
	for _, t := range chunkTexts(*a) {
		later := false
		if t.kind == ChunkAnswer {
			answers++
			later = answers > 1
		}
		sv := sparseFeatures(f, t.text)
		if later && n+len(sv) > maxTableFeatures {
			break
		}
		v.texts = append(v.texts, t)
		v.later = append(v.later, later)
		feats = append(feats, sv)
		n += len(sv)
	}
	v.slots = make([]featureSlot, n+n/2+1)
	for k, sv := range feats {
		for _, x := range sv {
			i := v.home(x.hash)
			for v.slots[i].text != 0 {
				if i++; i == len(v.slots) {
					i = 0
				}
			}
			v.slots[i] = featureSlot{hash: x.hash, weight: x.weight, text: uint32(k + 1)}
		}
	}
	v.bytes = int64(len(v.slots))*int64(unsafe.Sizeof(featureSlot{})) + 64*int64(len(v.texts)+1)
	if v.bytes > c.max || a.ID == 0 {
		return v // not kept: too large, or not a stored article
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byID[a.ID]; ok {
		c.drop(e)
	}
	c.byID[a.ID] = c.order.PushFront(v)
	c.size += v.bytes
	for c.size > c.max {
		c.drop(c.order.Back())
	}
	return v
}

func (c *featureCache) drop(e *list.Element) {
	v := c.order.Remove(e).(*articleFeatures)
	delete(c.byID, v.id)
	c.size -= v.bytes
}

// home is the first slot a hash probes (the table's size need not be a power of two).
func (v *articleFeatures) home(h uint64) int {
	return int((h >> 32) * uint64(len(v.slots)) >> 32)
}

// cosines adds to dots[k] the cosine of q with text k. q is sorted by hash, so each text's
// shared features are met in hash order, as sparseVector.cosine meets them: every sum is the
// same bit for bit.
func (v *articleFeatures) cosines(q sparseVector, dots []float64) {
	for _, x := range q {
		for i := v.home(x.hash); v.slots[i].text != 0; {
			if s := &v.slots[i]; s.hash == x.hash {
				dots[s.text-1] += float64(float64(x.weight) * float64(s.weight))
			}
			if i++; i == len(v.slots) {
				i = 0
			}
		}
	}
}
