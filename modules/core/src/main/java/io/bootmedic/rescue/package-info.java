/**
 * The text console of the Linux rescue stick ({@code bootmedic rescue}): which disks to look at and
 * which to refuse (firmware RAID members), the menu, the after-step handed back to the init.
 */
package io.bootmedic.rescue;
