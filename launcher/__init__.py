"""The launcher: the ``pathways`` command, the dev runner, the database set-up and the API client.

It sits above everything else: it may import the kit, the services, the gateway and the demo;
none of them imports it, except the demo, which drives the API through ``launcher.api_client``.
"""
