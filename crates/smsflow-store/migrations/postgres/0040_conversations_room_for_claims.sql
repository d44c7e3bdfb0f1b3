-- Each text updates its conversation's row twice: the inbound claim writes its lease
-- (inbound_claimed_until, inbound_attempts), which no index holds, then recording the processed
-- text moves it in the inbox's order. The claim's new row version can stay on its page, with no
-- new entry in any of the seven indexes (the number's trigrams among them), only when that page
-- has room; with full pages (the default fillfactor, 100) 28-29% of the updates in the bench
-- were heap-only, with 70 37-39%, and the claim took 15-20 µs a text inside PostgreSQL, not 22-28
-- (docs/benchmarks.md, session 50). Applies to pages written from now on.
ALTER TABLE conversations SET (fillfactor = 70);
