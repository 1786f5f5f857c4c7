#!/bin/sh
# busybox udhcpc's event script in the rescue system (build.sh installs it as /opt/bootmedic/dhcp.sh;
# the init starts 'udhcpc -s' with it). udhcpc calls it with the event as $1 and the lease in the
# environment: interface, ip, mask (prefix length) or subnet (dotted), router, dns, domain.
# It sets the address, a default route (metric by interface, so two wired ports do not collide)
# and /etc/resolv.conf, and leaves the lease in /run/bootmedic-net/<interface> for the init's
# console line. Busybox's own ip is enough (no iproute2 in the image).
# shellcheck disable=SC2154 # interface, ip, mask, subnet, router, dns, domain come from udhcpc
state=/run/bootmedic-net
mkdir -p "$state"

prefix() { # the prefix length of a dotted netmask (255.255.255.0 -> 24)
  bits=0
  for octet in $(echo "$1" | tr . ' '); do
    case "$octet" in
      255) bits=$((bits + 8)) ;; 254) bits=$((bits + 7)) ;; 252) bits=$((bits + 6)) ;; 248) bits=$((bits + 5)) ;;
      240) bits=$((bits + 4)) ;; 224) bits=$((bits + 3)) ;; 192) bits=$((bits + 2)) ;; 128) bits=$((bits + 1)) ;;
    esac
  done
  echo "$bits"
}

case "$1" in
  deconfig)
    busybox ip -4 addr flush dev "$interface" 2>/dev/null
    busybox ip link set "$interface" up
    rm -f "$state/$interface"
    ;;
  bound | renew)
    len=${mask:-$(prefix "${subnet:-255.255.255.0}")}
    if [ "$1" = bound ]; then busybox ip -4 addr flush dev "$interface" 2>/dev/null; fi
    busybox ip -4 addr add "$ip/$len" dev "$interface" 2>/dev/null
    metric=$(($(cat "/sys/class/net/$interface/ifindex" 2>/dev/null || echo 0) + 100))
    busybox ip -4 route del default dev "$interface" 2>/dev/null
    for gw in $router; do
      busybox ip -4 route add default via "$gw" dev "$interface" metric "$metric" && break
    done
    if [ -n "$dns" ]; then
      {
        [ -n "$domain" ] && echo "search $domain"
        for ns in $dns; do echo "nameserver $ns"; done
      } >/etc/resolv.conf.bootmedic && mv /etc/resolv.conf.bootmedic /etc/resolv.conf
    fi
    echo "$ip/$len${router:+ via $(echo "$router" | cut -d' ' -f1)}" >"$state/$interface"
    ;;
  leasefail | nak)
    ;;
esac
exit 0
