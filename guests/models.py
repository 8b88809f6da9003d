# Guests, their space and workbook grants, magic links and shared links arrive here.
