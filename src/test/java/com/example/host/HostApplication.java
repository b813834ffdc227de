package com.example.host;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** An application of its own on Camel Spring Boot: nothing here names Caravan, which comes by auto-configuration. */
@SpringBootApplication
public class HostApplication {
}
