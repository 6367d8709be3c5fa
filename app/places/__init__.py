"""Places (schools, colleges) with QR posters that open the web chat, tagged with the place."""
