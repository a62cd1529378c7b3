"""What reaches people away from the kiosk: calls for help, the nurse call, MQTT."""
