package io.bootmedic.cli;

import io.bootmedic.collector.client.Backoff;
import io.bootmedic.collector.client.CollectorClient;
import io.bootmedic.collector.client.CollectorException;
import io.bootmedic.collector.client.ServedPlaybook;
import io.bootmedic.format.Printable;
import io.bootmedic.playbook.Playbook;
import io.bootmedic.playbook.PlaybookException;
import io.bootmedic.playbook.PlaybookSet;
import io.bootmedic.playbook.PublishedPlaybook;
import io.bootmedic.playbook.VerifyingKey;
import io.bootmedic.remediation.PlaybookSource;
import io.bootmedic.report.Report;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The collector's playbooks for one target, each verified here against the keys on the agent's
 * own media: a playbook with a bad signature, an unknown key or a changed body is refused and
 * reported, and the run goes on with the rest. An unreachable collector is retried for
 * agent.conf's collector.retrySeconds, then the run goes on without its playbooks.
 */
final class CollectorPlaybooks implements PlaybookSource {
    private final PlaybookSet base;
    private final CollectorClient client;
    private final List<VerifyingKey> trusted;
    private final Consumer<String> say;

    CollectorPlaybooks(PlaybookSet base, CollectorClient client, List<VerifyingKey> trusted, Consumer<String> say) {
        this.base = base;
        this.client = client;
        this.trusted = List.copyOf(trusted);
        this.say = say;
    }

    /**
     * The playbook alone, or with the collector's when {@code --collector-playbooks} asks for them or
     * {@code always} (the boot media's --all) and a collector is configured.
     */
    static PlaybookSource source(Playbook playbook, PlaybookOptions options, java.util.Optional<CollectorClient> collector, boolean always,
                                 java.io.PrintWriter err) throws PlaybookException {
        PlaybookSet alone = PlaybookSet.of(playbook);
        if (options.collectorPlaybooks && collector.isEmpty()) {
            throw new UsageError("--collector-playbooks needs the collector: add --config agent.conf");
        }
        if (collector.isEmpty() || !(options.collectorPlaybooks || always)) {
            return PlaybookSource.fixed(alone);
        }
        return new CollectorPlaybooks(alone, collector.get(), options.trusted(), m -> err.println("bootmedic: " + Printable.of(m)));
    }

    @Override
    public PlaybookSet playbooks(Report.Host host, List<String> computerNames) {
        String name = computerNames.isEmpty() ? null : computerNames.get(0);
        List<ServedPlaybook> served;
        try {
            served = fetch(host, name);
        } catch (CollectorException e) {
            String why = "the collector's playbooks could not be fetched: " + e.getMessage();
            say.accept(why + "; only " + base.primary().id() + " (" + base.primary().source() + ") is applied");
            return base.plus(List.of(), List.of(new PlaybookSet.Refusal(null, why)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return base.plus(List.of(), List.of(new PlaybookSet.Refusal(null, "interrupted while fetching the collector's playbooks")));
        }
        List<Playbook> verified = new ArrayList<>();
        List<PlaybookSet.Refusal> refused = new ArrayList<>();
        for (ServedPlaybook s : served) {
            try {
                Playbook p = PublishedPlaybook.verify(s.publication(), s.playbook(), s.signature(), trusted);
                verified.add(p);
                say.accept("applying collector playbook " + p.id() + " version " + p.version() + " (publication " + p.publication()
                        + ", signed by " + p.signedBy() + ")");
            } catch (PlaybookException e) {
                refused.add(new PlaybookSet.Refusal(s.publication(), e.getMessage()));
                say.accept("refused collector playbook " + s.publication() + ": " + e.getMessage() + " Nothing is changed by it.");
            }
        }
        return base.plus(verified, refused);
    }

    private List<ServedPlaybook> fetch(Report.Host host, String name) throws CollectorException, InterruptedException {
        long deadline = System.currentTimeMillis() + CollectorLink.retryMillis(client);
        Backoff backoff = new Backoff(500, 10_000, java.util.concurrent.ThreadLocalRandom.current());
        while (true) {
            try {
                return client.activePlaybooks(host, name, client.config().tags());
            } catch (CollectorException e) {
                long wait = backoff.next(e.retryAfterMillis());
                if (!e.retryable() || System.currentTimeMillis() + wait > deadline) {
                    throw e;
                }
                Thread.sleep(wait);
            }
        }
    }
}
