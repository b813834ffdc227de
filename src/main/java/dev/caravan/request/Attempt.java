package dev.caravan.request;

import dev.caravan.openai.Usage;

/**
 * One call to a provider for a request, as the request log and the dead-letter record list it.
 *
 * @param url     where the call went (the provider's base URL and the operation's path)
 * @param outcome the provider's HTTP status as text on an answer, else the error code (e.g. {@code upstream_timeout})
 * @param providerBody the provider's error body, key redacted; {@code null} on success or without an answer
 * @param rejectedUsage the usage of an answer that was paid for but rejected (validation-aware fallback), which
 *                      the request's cost includes; {@code null} otherwise
 */
public record Attempt(String provider, String upstreamModel, String url, String outcome, long millis,
                      String providerBody, Usage rejectedUsage) {

    /** {@code provider:outcome}, as the log line chains them. */
    @Override
    public String toString() {
        return provider + ":" + outcome;
    }
}
