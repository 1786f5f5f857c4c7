package io.bootmedic.image.partition;

/**
 * One partition table entry.
 *
 * @param index    1-based, as tools number them
 * @param type     GPT type GUID (upper case) or MBR type as "0x07"
 * @param typeName what the type means, for messages
 */
public record Partition(int index, long start, long length, String type, String typeName, String name) {
}
