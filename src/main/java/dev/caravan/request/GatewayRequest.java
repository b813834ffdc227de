package dev.caravan.request;

import dev.caravan.edge.Translation;
import dev.caravan.openai.Usage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;

/**
 * A request's state on its way through the routes, typed: its id, who asked (key) for what (model), where it
 * goes (provider and upstream model, the fallbacks left), what it reserved, what each provider call did, and how
 * it ended (usage, whether its answer was accepted). One exchange property ({@link #PROPERTY}), made when the
 * request is accepted; steps reach it with {@link #of(Exchange)}. The exchange moves between threads only by
 * hand-offs that order memory (Camel's, the event loop's), so the fields need no locks.
 */
public final class GatewayRequest {

    /** The exchange property holding it. */
    public static final String PROPERTY = "caravanRequest";
    /**
     * Exchange property with the provider of the candidate being tried, for the route's {@code toD}: a copy of
     * {@link #provider()}, kept by {@link #routeTo} (Simple reads a plain property; a method call would cost a
     * bean lookup per request).
     */
    public static final String PROVIDER_PROPERTY = "caravanProvider";

    private final String id;
    private String model;
    private GatewayKey key;
    private Translation translation;
    private String provider;
    private String upstreamModel;
    private Deque<String> fallbacks;
    private String longContext;
    private int fallbacksTaken;
    private Map<String, String> skippedByBreaker;
    private String pastBreaker;
    private boolean answered;
    private Reservation reservation;
    private final List<Attempt> attempts = new ArrayList<>(2);
    private Boolean accepted;
    private Usage usage;

    private GatewayRequest(String id) {
        this.id = id;
    }

    /** Starts the state of the exchange's request, under its id. */
    public static GatewayRequest start(Exchange exchange, String id) {
        GatewayRequest request = new GatewayRequest(id);
        exchange.setProperty(PROPERTY, request);
        return request;
    }

    /** The state of the exchange's request; {@code null} before it was accepted (a request Netty refused). */
    public static GatewayRequest of(Exchange exchange) {
        return exchange.getProperty(PROPERTY, GatewayRequest.class);
    }

    public String id() {
        return id;
    }

    /** The model the client asked for; {@code null} until its request was parsed. */
    public String model() {
        return model;
    }

    public void model(String model) {
        this.model = model;
    }

    /** The caller's key; {@code null} for requests that need none (probes) or before authentication. */
    public GatewayKey key() {
        return key;
    }

    public void key(GatewayKey key) {
        this.key = key;
    }

    /** Whether the caller's key has limits: the request reserves its estimated cost and tokens first. */
    public boolean limited() {
        return key != null && key.limits().any();
    }

    /** The translation of a client protocol other than Chat Completions; {@code null} for chat completions. */
    public Translation translation() {
        return translation;
    }

    public void translation(Translation translation) {
        this.translation = translation;
    }

    /** The provider of the candidate being tried (or that answered); {@code null} before the model is resolved. */
    public String provider() {
        return provider;
    }

    /** The model id the provider is sent; {@code null} before the model is resolved. */
    public String upstreamModel() {
        return upstreamModel;
    }

    /** Points the request at a provider and its model: the first candidate, or the next after a failure. */
    public void routeTo(Exchange exchange, String provider, String upstreamModel) {
        this.provider = provider;
        this.upstreamModel = upstreamModel;
        exchange.setProperty(PROVIDER_PROPERTY, provider);
    }

    /** The models of the fallback chain not tried yet; {@code null} when the model has no chain. */
    public Deque<String> fallbacks() {
        return fallbacks;
    }

    public void fallbacks(Collection<String> chain) {
        this.fallbacks = new ArrayDeque<>(chain);
    }

    /** The model to try when the prompt is too long, until it is tried; {@code null}: none. */
    public String longContext() {
        return longContext;
    }

    public void longContext(String model) {
        this.longContext = model;
    }

    /** How many times the request fell back to another candidate. */
    public int fallbacksTaken() {
        return fallbacksTaken;
    }

    public void fellBack() {
        fallbacksTaken++;
    }

    /** Remembers a provider of the chain that its open breaker skipped, with its model (the first one kept). */
    public void skippedByBreaker(String provider, String upstreamModel) {
        if (skippedByBreaker == null) {
            skippedByBreaker = new LinkedHashMap<>(4);
        }
        skippedByBreaker.putIfAbsent(provider, upstreamModel);
    }

    /** The providers the request's chain skipped by their open breakers, with their models; empty: none. */
    public Map<String, String> skippedByBreaker() {
        return skippedByBreaker == null ? Map.of() : skippedByBreaker;
    }

    /**
     * The provider tried past its open breaker, every provider of the chain having been skipped by theirs;
     * {@code null}: none yet.
     */
    public String pastBreaker() {
        return pastBreaker;
    }

    public void pastBreaker(String provider) {
        this.pastBreaker = provider;
    }

    /** Whether a provider answered: no candidate is left to try. */
    public boolean answered() {
        return answered;
    }

    public void answered(boolean answered) {
        this.answered = answered;
    }

    /** What the request holds against its key's limits until settled; {@code null}: nothing. */
    public Reservation reservation() {
        return reservation;
    }

    public void reservation(Reservation reservation) {
        this.reservation = reservation;
    }

    /** Every call to a provider for the request, across retries and fallbacks, in order. */
    public List<Attempt> attempts() {
        return attempts;
    }

    public void attempted(Attempt attempt) {
        attempts.add(attempt);
    }

    /** Whether a validated answer gave what the request asked for; {@code null}: not validated. */
    public Boolean accepted() {
        return accepted;
    }

    public void accepted(Boolean accepted) {
        this.accepted = accepted;
    }

    /** The usage of the answer; {@code null} until answered (a stream's comes with its end). */
    public Usage usage() {
        return usage;
    }

    public void usage(Usage usage) {
        this.usage = usage;
    }
}
