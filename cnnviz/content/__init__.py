"""What the lessons show: sample images, quiz questions, shareable links."""
