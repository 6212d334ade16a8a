-- Simulation reports published to the running system (sim/, daibanctl publish-simulation):
-- an administrator publishes a played day's summary and its report page, supervisors read
-- them in the console. The figures the list shows are copied out of the summary when it is
-- published, so listing never parses the JSON. The page is user-supplied HTML: it is served
-- only with a sandboxing Content-Security-Policy, and capped in size here as in the service.
CREATE TABLE simulation_reports (
  id            bigserial PRIMARY KEY,
  title         text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  scenario      text NOT NULL CHECK (char_length(scenario) BETWEEN 1 AND 200),
  seed          bigint NOT NULL,
  changes       jsonb NOT NULL DEFAULT '{}'::jsonb,
  summary       jsonb NOT NULL,
  html          text NOT NULL CHECK (octet_length(html) <= 2097152),
  cases         bigint NOT NULL CHECK (cases >= 0),
  on_time_rate  double precision NOT NULL,
  offer_p99_ms  double precision NOT NULL,
  published_by  bigint NOT NULL REFERENCES users (id),
  published_at  timestamptz NOT NULL
);
