package io.bootmedic.cloud.kvm;

import io.bootmedic.util.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What this route made: one JSON file per snapshot or copy, by the engine's name, in the state folder. Image files carry
 * no labels, so the catalog holds what a cloud keeps on the resource: the tags (returned unchanged), where it was made
 * from (the source's path and its device and inode at that moment), and for a copy, which worker slot has it.
 */
final class Catalog {
    enum Kind {
        SNAPSHOT, COPY
    }

    /** {@code sourcePool}/{@code sourceVolume}: the storage-pool volume the source was, when it was one (a rollback defines it back so). */
    record Entry(Kind kind, String name, String file, String format, String source, FileIdentity sourceId, Map<String, String> tags,
            String attachedTo, String device, String sourcePool, String sourceVolume) {
        Entry(Kind kind, String name, String file, String format, String source, FileIdentity sourceId, Map<String, String> tags, String attachedTo,
                String device) {
            this(kind, name, file, format, source, sourceId, tags, attachedTo, device, null, null);
        }

        Entry attached(String worker, String dev) {
            return new Entry(kind, name, file, format, source, sourceId, tags, worker, dev, sourcePool, sourceVolume);
        }

        Entry fromVolume(String pool, String volume) {
            return new Entry(kind, name, file, format, source, sourceId, tags, attachedTo, device, pool, volume);
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", kind.name().toLowerCase(java.util.Locale.ROOT));
            m.put("name", name);
            m.put("file", file);
            m.put("format", format);
            m.put("source", source);
            m.put("sourceDevice", sourceId.device());
            m.put("sourceInode", sourceId.inode());
            m.put("tags", new LinkedHashMap<>(tags));
            m.put("attachedTo", attachedTo);
            m.put("device", device);
            m.put("sourcePool", sourcePool);
            m.put("sourceVolume", sourceVolume);
            return m;
        }

        static Entry fromJson(Map<String, Object> m) {
            Map<String, Object> t = Json.object(m, "tags");
            Map<String, String> tags = new LinkedHashMap<>();
            if (t != null) {
                t.forEach((k, v) -> tags.put(k, String.valueOf(v)));
            }
            return new Entry(Kind.valueOf(Json.string(m, "kind").toUpperCase(java.util.Locale.ROOT)), Json.string(m, "name"), Json.string(m, "file"),
                    Json.string(m, "format"), Json.string(m, "source"),
                    new FileIdentity(Json.number(m, "sourceDevice", -1), Json.number(m, "sourceInode", -1)), Map.copyOf(tags),
                    Json.string(m, "attachedTo"), Json.string(m, "device"), Json.string(m, "sourcePool"), Json.string(m, "sourceVolume"));
        }
    }

    private final Path dir;

    Catalog(Path stateDir) {
        this.dir = stateDir.resolve("resources");
    }

    Optional<Entry> byName(String name) {
        Map<String, Object> m = StateFiles.read(dir.resolve(name + ".json"));
        return m == null ? Optional.empty() : Optional.of(Entry.fromJson(m));
    }

    /** The entry whose image is {@code file}: the engine knows snapshots and copies by their path. */
    Optional<Entry> byFile(String file) {
        String base = Path.of(file).getFileName().toString();
        int dot = base.lastIndexOf('.');
        String name = dot > 0 ? base.substring(0, dot) : base;
        return byName(name).filter(e -> e.file().equals(file));
    }

    void put(Entry e) {
        StateFiles.write(dir.resolve(e.name() + ".json"), e.toJson());
    }

    void remove(String name) throws IOException {
        Files.deleteIfExists(dir.resolve(name + ".json"));
        StateFiles.forceFolder(dir);
    }

    /** Every copy, to find the one a worker slot holds. */
    Stream<Entry> copies() {
        if (!Files.isDirectory(dir)) {
            return Stream.empty();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".json")).toList().stream()
                    .map(p -> StateFiles.read(p)).filter(m -> m != null).map(Entry::fromJson).filter(e -> e.kind() == Kind.COPY);
        } catch (IOException e) {
            throw new io.bootmedic.cloud.provider.CloudException(io.bootmedic.cloud.provider.CloudException.Kind.FATAL,
                    "cannot list " + dir + ": " + e.getMessage());
        }
    }
}
