package dev.caravan.provider;

import dev.caravan.edge.NativeRequest;
import dev.caravan.edge.Translation;
import dev.caravan.openai.OpenAiRequest;
import dev.caravan.openai.Usage;
import dev.caravan.request.Attempt;
import dev.caravan.request.GatewayRequest;
import io.github.resilience4j.retry.Retry;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultAsyncProducer;

/**
 * Sends the exchange's {@link OpenAiRequest} to the provider with the upstream model from
 * {@link GatewayRequest#upstreamModel()}. Replies with the provider's answer: a whole body, or for
 * {@code stream:true} an {@link SseRelay} once the first event is in. Fails the exchange with an
 * {@link UpstreamException} otherwise. Asynchronous: no thread waits while the provider works. Here: the body
 * sent (the block's patches, its adapter's) and the attempts (breaker, retries, cool-down); what an answer
 * means is {@link ProviderAnswers}'.
 */
final class LlmProducer extends DefaultAsyncProducer {

    private final LlmEndpoint endpoint;
    private final ProviderAnswers answers;

    LlmProducer(LlmEndpoint endpoint) {
        super(endpoint);
        this.endpoint = endpoint;
        this.answers = new ProviderAnswers(endpoint);
    }

    /** Response header naming the provider that answered (or last failed). */
    static final String PROVIDER_HEADER = "x-caravan-provider";

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        exchange.getMessage().setHeader(PROVIDER_HEADER, endpoint.provider());
        Upstream upstream = endpoint.upstream();
        if (upstream == null) {
            exchange.setException(UpstreamException.noAnswer(endpoint.provider(),
                    ErrorClass.UPSTREAM_UNAVAILABLE, "the provider has no key configured"));
            callback.done(true);
            return true;
        }
        UpstreamException coolingDown = endpoint.coolingDown();
        if (coolingDown != null) {
            exchange.setException(coolingDown);
            callback.done(true);
            return true;
        }
        OpenAiRequest request;
        NativeRequest nativeRequest;
        byte[] body;
        boolean stream;
        try {
            request = exchange.getMessage().getMandatoryBody(OpenAiRequest.class);
            String upstreamModel = upstreamModel(exchange, request);
            nativeRequest = nativeRequest(exchange, upstream);
            if (nativeRequest != null) {
                body = nativeRequest.body(upstreamModel);
                stream = nativeRequest.stream();
            } else {
                OpenAiRequest.Draft draft = request.draft();
                stream = draft.stream();
                if (!stream && draft.has("stream_options")) { // refused without a stream (OpenAI, DeepSeek: 400)
                    draft.edit().remove("stream_options");
                }
                endpoint.quirks().patch(draft);
                endpoint.providerAdapter().patchRequest(draft);
                if (stream && endpoint.quirks().streamUsage()) {
                    draft.requestStreamUsage();
                }
                body = draft.bytes(upstreamModel);
            }
        } catch (Exception e) {
            endpoint.calledThrough(e);
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        new Call(exchange, request, nativeRequest, body, stream, callback).send();
        return false;
    }

    /**
     * The client's own request when this provider serves its protocol (marked so, so that its answer is not
     * translated back); {@code null} when the provider gets the chat completion.
     */
    private static NativeRequest nativeRequest(Exchange exchange, Upstream upstream) {
        Translation translation = GatewayRequest.of(exchange).translation();
        NativeRequest nativeRequest = translation == null ? null : translation.nativeRequest();
        if (nativeRequest == null) {
            return null;
        }
        boolean natively = upstream.serves(nativeRequest.protocol());
        nativeRequest.answered(natively);
        return natively ? nativeRequest : null;
    }

    /**
     * One request's attempts at this provider. A retryable failure before anything reached the client is
     * tried again after a back-off (or the provider's Retry-After), scheduled, never slept.
     */
    private final class Call {
        private final Exchange exchange;
        private final OpenAiRequest request;
        /** The client's own request, sent as it is; {@code null} when the provider gets the chat completion. */
        private final NativeRequest nativeRequest;
        private final byte[] body;
        private final boolean stream;
        private final AsyncCallback callback;
        /**
         * Every provider of the request's chain was skipped by its breaker, and this one is the least bad: it is
         * tried once, past its breaker (whose state it still reports to).
         */
        private final boolean panic;
        /** This request's retries at the provider, from its first failure: Resilience4j counts them, sets the waits. */
        private Retry.AsyncContext<Object> retries;

        Call(Exchange exchange, OpenAiRequest request, NativeRequest nativeRequest, byte[] body, boolean stream,
             AsyncCallback callback) {
            this.exchange = exchange;
            this.request = request;
            this.nativeRequest = nativeRequest;
            this.body = body;
            this.stream = stream;
            this.callback = callback;
            this.panic = endpoint.provider().equals(GatewayRequest.of(exchange).pastBreaker());
        }

        void send() {
            Upstream upstream = endpoint.upstream();
            if (upstream == null) { // stopped while a retry waited
                finish(UpstreamException.noAnswer(endpoint.provider(), ErrorClass.UPSTREAM_UNAVAILABLE,
                        "the provider was stopped"));
                return;
            }
            if (!panic && !endpoint.circuitBreaker().tryAcquirePermission()) {
                GatewayRequest.of(exchange).skippedByBreaker(endpoint.provider(), upstreamModel(exchange, request));
                finish(UpstreamException.noAnswer(endpoint.provider(), ErrorClass.UPSTREAM_UNAVAILABLE,
                        "its circuit breaker is open", false));
                return;
            }
            long started = System.nanoTime();
            (nativeRequest != null ? upstream.sendNative(nativeRequest, body)
                    : upstream.send(request.operation(), body, stream)).whenComplete((answer, failure) -> {
                try {
                    if (failure != null) {
                        retryOrFinish(attempted(started, answers.noAnswer(failure)));
                    } else if (answer.events() != null) {
                        relay(answer, started);
                    } else if (nativeRequest != null) {
                        answers.replyNatively(exchange, answer);
                        attempted(started, null);
                        finish(null);
                    } else {
                        answers.reply(exchange, request, answer);
                        attempted(started, null);
                        finish(null);
                    }
                } catch (UpstreamException e) {
                    retryOrFinish(attempted(started, e));
                } catch (RuntimeException e) {
                    releasePermission();
                    finish(e);
                }
            });
        }

        /**
         * Records the attempt, and tells the breaker how the provider did: failures of the request itself
         * do not count against it.
         */
        private UpstreamException attempted(long started, UpstreamException failure) {
            long nanos = System.nanoTime() - started;
            endpoint.getComponent().metrics().attempt(endpoint.provider(),
                    failure == null ? "ok" : failure.errorClass().name());
            GatewayRequest state = GatewayRequest.of(exchange);
            Usage rejected = failure == null ? null : state.usage();
            if (rejected != null) {
                state.usage(null);
            }
            state.attempted(new Attempt(endpoint.provider(), upstreamModel(exchange, request),
                    nativeRequest != null ? endpoint.url(nativeRequest.protocol()) : endpoint.url(request.operation()),
                    failure == null ? "200" : failure.providerStatus() > 0 ? String.valueOf(failure.providerStatus())
                            : failure.error().code(),
                    nanos / 1_000_000, failure == null ? null : failure.providerBody(),
                    // an answer that failed validation was read, and paid for, before it was rejected
                    rejected));
            if (failure == null || failure.errorClass().clientFault()) {
                endpoint.circuitBreaker().onSuccess(nanos, TimeUnit.NANOSECONDS);
            } else {
                endpoint.circuitBreaker().onError(nanos, TimeUnit.NANOSECONDS, failure);
            }
            return failure;
        }

        /** Replies with the stream once its first event is in; a failure before that is like any other. */
        private void relay(Upstream.Answer answer, long started) {
            SseRelay relay = new SseRelay(endpoint.provider(),
                    nativeRequest != null ? SseRelay.Dialect.ANTHROPIC : SseRelay.Dialect.CHAT,
                    request.wantsStreamUsage(), request.raw(),
                    endpoint.totalTimeoutMillis(), endpoint.getComponent().deadlines(),
                    json -> answers.failed(200, json, null), answers::noAnswer);
            relay.committed().whenComplete((committed, failure) -> {
                Throwable cause = failure instanceof CompletionException c ? c.getCause() : failure;
                if (cause instanceof UpstreamException e) {
                    retryOrFinish(attempted(started, e));
                } else if (cause != null) {
                    releasePermission();
                    finish(cause);
                } else {
                    attempted(started, null);
                    Message message = exchange.getMessage();
                    message.setBody(relay);
                    message.setHeader(Exchange.CONTENT_TYPE, "text/event-stream");
                    message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
                    finish(null);
                }
            });
            answer.events().subscribe(relay);
        }

        private void retryOrFinish(UpstreamException e) {
            long delay = retryDelayMillis(e);
            if (delay < 0) {
                finish(e);
                return;
            }
            endpoint.getComponent().metrics().retry(endpoint.provider());
            try {
                endpoint.getComponent().timer().schedule(this::send, delay, TimeUnit.MILLISECONDS);
            } catch (RuntimeException rejected) { // shutting down
                finish(e);
            }
        }

        /** A call made past the breaker took no permission. */
        private void releasePermission() {
            if (!panic) {
                endpoint.circuitBreaker().releasePermission();
            }
        }

        /**
         * The wait before the next attempt, or -1 for none: the endpoint's Resilience4j retry decides, but a call
         * past the breaker is not retried, nor is a Retry-After longer than a client waits answered with a wait.
         */
        private long retryDelayMillis(UpstreamException e) {
            if (panic || e.retryAfterSeconds() != null
                    && e.retryAfterSeconds() * 1000 > endpoint.retryMaxDelayMillis()) {
                return -1;
            }
            if (retries == null) {
                retries = endpoint.retry().asyncContext();
            }
            return retries.onError(e);
        }

        private void finish(Throwable failure) {
            endpoint.calledThrough(failure);
            if (failure != null) {
                exchange.setException(failure);
            }
            callback.done(false);
        }
    }

    /** The model id the provider is sent: the resolved one, else (a replayed request) the one asked for. */
    private static String upstreamModel(Exchange exchange, OpenAiRequest request) {
        String upstreamModel = GatewayRequest.of(exchange).upstreamModel();
        return upstreamModel != null ? upstreamModel : request.model();
    }
}
