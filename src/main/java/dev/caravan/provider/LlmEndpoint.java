package dev.caravan.provider;

import dev.caravan.edge.NativeRequest;
import dev.caravan.openai.OpenAiRequest;
import dev.caravan.routing.ModelCatalog;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One provider: where it is, its key, its adapter, its timeouts and the models it serves. A provider whose
 * key is unset (or that is disabled) starts but is not routable: its models are neither served nor listed.
 */
public class LlmEndpoint extends DefaultEndpoint implements ModelCatalog.Provider {

    private final String provider;
    // no defaults here: the provider template (routes/provider.kamelet.yaml) sets every option, and has the defaults
    private String baseUrl = "";
    private String anthropicBaseUrl = "";
    private String apiKey = "";
    private String adapter;
    private String models = "";
    private Map<String, ModelCatalog.Retirement> retired = Map.of();
    private boolean discover;
    private long discoveryInterval;
    private ModelDiscovery discovery;
    private boolean enabled;
    private long connectTimeout;
    private long firstByteTimeout;
    private long totalTimeout;
    private int retries;
    private long retryBackoff;
    private long retryMaxDelay;
    private long coolDown;
    private String breaker;
    private boolean validate;
    private String dropFields;
    private String keepFields;
    private String keepMessageFields;
    private String setFields;
    private String renameFields;
    private String errorCodes;
    private String errorStatuses;
    private String errorMessages;
    private boolean streamUsage;
    private volatile Quirks quirks;
    private volatile CircuitBreaker circuitBreaker;
    private volatile Retry retry;

    private static final Logger LOG = LoggerFactory.getLogger(LlmEndpoint.class);

    /** {@code null} when {@code coolDown} is 0. */
    private volatile CircuitBreaker coolDownBreaker;
    /** The last failure that opened the cool-down: the answer to calls while it lasts. */
    private volatile UpstreamException coolDownCause;
    private volatile ProviderAdapter providerAdapter;
    private volatile Upstream upstream;

    LlmEndpoint(String uri, LlmComponent component, String provider) {
        super(uri, component);
        this.provider = provider;
    }

    @Override
    public LlmComponent getComponent() {
        return (LlmComponent) super.getComponent();
    }

    @Override
    public Producer createProducer() {
        return new LlmProducer(this);
    }

    @Override
    public Consumer createConsumer(Processor processor) {
        throw new UnsupportedOperationException("llm: endpoints only send; they have no consumer");
    }

    /** The built-in demo answers by construction: checks that need a language model do not apply to it. */
    boolean languageModel() {
        return !DemoUpstream.BASE_URL.equals(baseUrl);
    }

    boolean routable() {
        return enabled && (DemoUpstream.BASE_URL.equals(baseUrl) || !apiKey.isBlank());
    }

    /** What can be checked before the provider starts: a reload checks it before swapping anything in. */
    @Override
    protected void doInit() throws Exception {
        super.doInit();
        providerAdapter = getComponent().adapter(adapter);
        try {
            quirks = new Quirks(Quirks.names(dropFields), Quirks.names(keepFields), Quirks.names(keepMessageFields),
                    Quirks.values("setFields", setFields), Quirks.renames("renameFields", renameFields),
                    Quirks.codes("errorCodes", errorCodes), Quirks.statuses("errorStatuses", errorStatuses),
                    Quirks.messages("errorMessages", errorMessages), streamUsage);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Provider '" + provider + "': " + e.getMessage(), e);
        }
        getComponent().breakerSettings(provider, breaker);
        if (routable() && !DemoUpstream.BASE_URL.equals(baseUrl) && !isHttpUrl(baseUrl)) {
            throw new IllegalArgumentException("Provider '" + provider + "': baseUrl must be an http(s) URL or '"
                    + DemoUpstream.BASE_URL + "', got '" + baseUrl + "'");
        }
        if (!anthropicBaseUrl.isEmpty() && (!isHttpUrl(anthropicBaseUrl) || DemoUpstream.BASE_URL.equals(baseUrl))) {
            throw new IllegalArgumentException("Provider '" + provider + "': anthropicBaseUrl must be an http(s) URL "
                    + "of a provider reached over HTTP, got '" + anthropicBaseUrl + "'");
        }
    }

    private static boolean isHttpUrl(String url) {
        return url.startsWith("http://") || url.startsWith("https://");
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        circuitBreaker = getComponent().breaker(provider, breaker);
        retry = Retry.of(provider, retryConfig());
        coolDownBreaker = coolDown > 0 ? coolDownBreaker() : null;
        if (routable()) {
            upstream = createUpstream();
        }
        if (routable()) {
            getComponent().catalog().retire(provider, retired);
        }
        getComponent().catalog().register(provider, ModelCatalog.parseModels(models), routable());
        if (routable() && discover) {
            discovery = new ModelDiscovery(provider, upstream, getComponent().catalog(), Clock.systemUTC());
            discovery.start(getComponent().timer(), Duration.ofMillis(discoveryInterval));
        }
    }

    private Upstream createUpstream() {
        if (DemoUpstream.BASE_URL.equals(baseUrl)) {
            return new DemoUpstream();
        }
        return new HttpUpstream(provider, baseUrl, anthropicBaseUrl, apiKey, Duration.ofMillis(connectTimeout),
                Duration.ofMillis(firstByteTimeout), Duration.ofMillis(totalTimeout), getComponent().eventLoops(),
                getComponent().deadlines());
    }

    @Override
    protected void doStop() throws Exception {
        if (discovery != null) {
            discovery.stop();
            discovery = null;
        }
        getComponent().catalog().unregister(provider);
        if (upstream != null) {
            upstream.close();
        }
        upstream = null;
        super.doStop();
    }

    /**
     * The cool-down, as a breaker of its own that counts only what no retry mends (no balance or quota, the
     * gateway's key rejected): one such failure opens it for {@code coolDown} ms, during which the provider is not
     * called; then one call tries whether the provider is back. Logged once each time it opens.
     */
    private CircuitBreaker coolDownBreaker() {
        CircuitBreaker coolDownBreaker = CircuitBreaker.of(provider + "-cool-down", CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(1)
                .minimumNumberOfCalls(1)
                .failureRateThreshold(100)
                .recordException(LlmEndpoint::needsCoolDown)
                .waitDurationInOpenState(Duration.ofMillis(coolDown))
                .permittedNumberOfCallsInHalfOpenState(1)
                .build());
        coolDownBreaker.getEventPublisher().onStateTransition(event -> {
            UpstreamException cause = coolDownCause;
            if (event.getStateTransition().getToState() == CircuitBreaker.State.OPEN && cause != null) {
                LOG.warn("Provider '{}' {}: {}; not called for {} s", provider,
                        cause.errorClass() == ErrorClass.INSUFFICIENT_QUOTA ? "is out of balance or quota"
                                : "rejected the gateway's key", cause.error().message(), coolDown / 1000);
            }
        });
        return coolDownBreaker;
    }

    private static boolean needsCoolDown(Throwable failure) {
        return failure instanceof UpstreamException e && (e.errorClass() == ErrorClass.INSUFFICIENT_QUOTA
                || e.errorClass() == ErrorClass.PROVIDER_AUTH);
    }

    /**
     * The failure that put the provider in its cool-down, while it lasts; else {@code null}, and the call is
     * let through (then its end is to be told to {@link #calledThrough}).
     */
    UpstreamException coolingDown() {
        CircuitBreaker coolDownBreaker = this.coolDownBreaker;
        return coolDownBreaker == null || coolDownBreaker.tryAcquirePermission() ? null : coolDownCause;
    }

    /**
     * How a call let through by {@link #coolingDown()} ended: {@code null} when answered. Only a failure that
     * needs a cool-down, or the end of the trial call, is told to the breaker: while it is closed, nothing else
     * changes what it does, and the request path takes no lock for it.
     */
    void calledThrough(Throwable failure) {
        CircuitBreaker coolDownBreaker = this.coolDownBreaker;
        if (coolDownBreaker == null) {
            return;
        }
        if (needsCoolDown(failure)) {
            coolDownCause = (UpstreamException) failure;
            coolDownBreaker.onError(0, TimeUnit.NANOSECONDS, failure);
        } else if (coolDownBreaker.getState() != CircuitBreaker.State.CLOSED) {
            coolDownBreaker.onSuccess(0, TimeUnit.NANOSECONDS);
        }
    }

    String url(OpenAiRequest.Operation operation) {
        return baseUrl + operation.path();
    }

    String url(NativeRequest.Protocol protocol) {
        return anthropicBaseUrl + protocol.path();
    }

    boolean validatesAnswers() {
        return validate;
    }

    CircuitBreaker circuitBreaker() {
        return circuitBreaker;
    }

    /** The provider's retries: the attempts after the first, and the waits between them. */
    Retry retry() {
        return retry;
    }

    /**
     * Retries of retryable failures ({@link UpstreamException#retryable()}) up to {@code retries} times, after an
     * exponential back-off from {@code retryBackoff} with jitter, capped at {@code retryMaxDelay}, or after the
     * provider's own Retry-After.
     */
    private RetryConfig retryConfig() {
        IntervalFunction backoff = IntervalFunction.ofExponentialRandomBackoff(Math.max(1, retryBackoff), 2.0, 0.5,
                Math.max(1, retryMaxDelay));
        return RetryConfig.custom()
                .maxAttempts(retries + 1)
                .retryOnException(e -> e instanceof UpstreamException u && u.retryable())
                .intervalBiFunction((attempt, outcome) -> outcome.isLeft()
                        && outcome.getLeft() instanceof UpstreamException u && u.retryAfterSeconds() != null
                        ? u.retryAfterSeconds() * 1000 : Math.min(retryMaxDelay, backoff.apply(attempt)))
                .build();
    }

    long retryMaxDelayMillis() {
        return retryMaxDelay;
    }

    long totalTimeoutMillis() {
        return totalTimeout;
    }

    @Override
    public String provider() {
        return provider;
    }

    @Override
    public Set<String> modelNames() {
        return ModelCatalog.parseModels(models).keySet();
    }

    ProviderAdapter providerAdapter() {
        return providerAdapter;
    }

    Quirks quirks() {
        return quirks;
    }

    Upstream upstream() {
        return upstream;
    }

    /** Removes the provider key from text that came back from the provider (some echo keys in errors). */
    String redact(String text) {
        return apiKey.length() < 8 ? text : text.replace(apiKey, "[redacted]");
    }

    // options, set from the endpoint URI

    /** Base URL of the OpenAI-compatible API, e.g. {@code https://api.deepseek.com}; {@code demo:} for the demo. */
    public void setBaseUrl(String baseUrl) {
        this.baseUrl = baseUrl == null ? "" : baseUrl.strip();
    }

    /**
     * Base URL of the provider's own Anthropic Messages API (before {@code /v1/messages}), e.g.
     * {@code https://api.deepseek.com/anthropic}; blank when it has none. Anthropic clients' requests then reach
     * it as they were sent instead of translated.
     */
    public void setAnthropicBaseUrl(String anthropicBaseUrl) {
        this.anthropicBaseUrl = anthropicBaseUrl == null ? "" : anthropicBaseUrl.strip();
    }

    /** The provider key sent as {@code Authorization: Bearer}; blank makes the provider unroutable. */
    public void setApiKey(String apiKey) {
        this.apiKey = apiKey == null ? "" : apiKey.strip();
    }

    /** Id of the {@link ProviderAdapter} for the provider's quirks; {@code openai} for none. */
    public void setAdapter(String adapter) {
        this.adapter = adapter;
    }

    /** Models served, comma-separated; {@code public=upstream} when the names differ. */
    public void setModels(String models) {
        this.models = models == null ? "" : models;
    }

    /** Whether the provider's {@code GET /models} adds to its models (and gives shutdown dates and prices). */
    public void setDiscover(boolean discover) {
        this.discover = discover;
    }

    /** Milliseconds between two reads of the provider's {@code GET /models}. */
    public void setDiscoveryInterval(long discoveryInterval) {
        // checked here too: routes from the class path are not checked against the template's definition
        if (discoveryInterval < 1000) {
            throw new IllegalArgumentException("Provider '" + provider
                    + "': discoveryInterval must be at least 1000 ms");
        }
        this.discoveryInterval = discoveryInterval;
    }

    /** Retired models, {@code old=successor@yyyy-MM-dd}, comma-separated. */
    public void setRetired(String retired) {
        this.retired = ModelCatalog.parseRetirements(provider, retired == null ? "" : retired);
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** Milliseconds to open a connection. */
    public void setConnectTimeout(long connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    /** Milliseconds until the response headers arrive (for non-streaming calls: the whole generation). */
    public void setFirstByteTimeout(long firstByteTimeout) {
        this.firstByteTimeout = firstByteTimeout;
    }

    /** Milliseconds for the whole call, body included. */
    public void setTotalTimeout(long totalTimeout) {
        this.totalTimeout = totalTimeout;
    }

    /** Tries again after throttling, server errors or no answer, before anything reached the client. */
    public void setRetries(int retries) {
        this.retries = retries;
    }

    /**
     * Whether non-streaming answers are checked against what the request asked for (JSON mode, its
     * schema, tool-call arguments); one that fails counts as a provider failure and falls back.
     */
    public void setValidate(boolean validate) {
        this.validate = validate;
    }

    /** Name of the breaker settings ({@code caravan.breakers.<name>}). */
    public void setBreaker(String breaker) {
        this.breaker = breaker;
    }

    /** Milliseconds the provider is left alone after it ran out of balance or rejected its key; 0: never. */
    public void setCoolDown(long coolDown) {
        this.coolDown = coolDown;
    }

    /** Milliseconds before the first retry; doubled for each next one, with jitter. */
    public void setRetryBackoff(long retryBackoff) {
        this.retryBackoff = retryBackoff;
    }

    /** Longest wait before a retry, the provider's Retry-After included; a longer Retry-After is not waited for. */
    public void setRetryMaxDelay(long retryMaxDelay) {
        this.retryMaxDelay = retryMaxDelay;
    }

    // the provider's departures from the OpenAI protocol, as data (Quirks), read when the endpoint starts

    public void setDropFields(String dropFields) {
        this.dropFields = dropFields;
    }

    public void setKeepFields(String keepFields) {
        this.keepFields = keepFields;
    }

    public void setKeepMessageFields(String keepMessageFields) {
        this.keepMessageFields = keepMessageFields;
    }

    public void setSetFields(String setFields) {
        this.setFields = setFields;
    }

    public void setRenameFields(String renameFields) {
        this.renameFields = renameFields;
    }

    public void setErrorCodes(String errorCodes) {
        this.errorCodes = errorCodes;
    }

    public void setErrorStatuses(String errorStatuses) {
        this.errorStatuses = errorStatuses;
    }

    public void setErrorMessages(String errorMessages) {
        this.errorMessages = errorMessages;
    }

    public void setStreamUsage(boolean streamUsage) {
        this.streamUsage = streamUsage;
    }
}
