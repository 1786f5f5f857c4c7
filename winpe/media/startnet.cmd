@echo off
rem Used when winpeshl.ini is absent (e.g. a technician replaced it): same start as winpeshl.ini.
wpeinit
call X:\bootmedic\bootmedic.cmd
